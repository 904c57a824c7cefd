# The seed's example, and a little more.
puts 2 + 2
puts "Hello, #{'world'.capitalize}!"
