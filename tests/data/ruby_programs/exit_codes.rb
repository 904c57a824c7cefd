# at_exit handlers run in reverse order; exit sets the status.
at_exit { puts "first registered, runs last" }
at_exit { puts "second registered, runs first" }
puts "main"
$stdout.flush
exit 3
