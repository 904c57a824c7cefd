# An uncaught exception: ruby's message, backtrace lines and exit status 1.
def inner(x)
  raise ArgumentError, "bad value: #{x}" if x > 1
  x
end
def outer(list)
  list.map { |x| inner(x) }
end
puts "before"
outer([1, 2])
puts "never"
