# exit inside nested calls raises SystemExit, which ensure clauses see and rescue can catch.
def inner
  exit 4
ensure
  puts "inner ensure"
end
begin
  inner
rescue SystemExit => e
  puts "caught exit #{e.status} #{e.success?}"
end
at_exit { puts "at_exit ran" }
exit 2
