# ensure runs, then the error leaves the program with status 1.
def work
  puts "working"
  yield
ensure
  puts "cleanup in ensure"
end
work { Integer("not a number") }
