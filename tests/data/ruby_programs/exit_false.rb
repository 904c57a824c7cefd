# exit(false) gives status 1 without a message; output before it is flushed.
puts "about to fail quietly"
exit false
