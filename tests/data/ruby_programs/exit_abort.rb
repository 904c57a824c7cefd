# abort prints its message on stderr and exits with status 1; ensure still runs.
begin
  puts "working"
  abort "fatal: giving up"
ensure
  puts "cleanup"
end
