# Output to stderr: $stderr.puts, warn, STDERR.print interleaved with stdout.
puts "to stdout 1"
$stderr.puts "to stderr 1"
warn "a warning", "second line"
STDERR.print "no newline", "\n"
$stdout.puts "to stdout 2"
$stdout.write("written\n")
$stdout << "appended " << 42 << "\n"
$stderr.printf("%05.1f\n", 3.14159)
STDOUT.print "done\n"
