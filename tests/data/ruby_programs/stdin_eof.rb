# Reading standard input that is empty: gets returns nil.
line = gets
p line, $stdin.nil?
puts(line ? "got a line" : "no input")
