# raise/rescue/ensure/retry, custom exceptions, messages, exception hierarchy.
class AppError < StandardError
  def initialize(msg = "app failed") = super
end
class DetailError < AppError; end
def risky(n)
  raise DetailError, "detail #{n}" if n.odd?
  raise AppError if n == 2
  n
end
[1, 2, 4].each do |n|
  begin
    puts risky(n)
  rescue DetailError => e
    puts "detail: #{e.message} (#{e.class})"
  rescue AppError => e
    puts "app: #{e.message}"
  else
    puts "no error"
  ensure
    puts "ensure #{n}"
  end
end
tries = 0
begin
  tries += 1
  raise "again" if tries < 3
  puts "tries=#{tries}"
rescue
  retry
end
def m
  yield
ensure
  puts "m ensure"
end
m { puts "in block" }
x = begin
  Integer("zz")
rescue ArgumentError => e
  e.message
end
p x
begin
  [1, 2].fetch(10)
rescue IndexError => e
  p e.class
end
begin
  {a: 1}.fetch(:b)
rescue KeyError => e
  p e.message
end
begin
  1 / 0
rescue ZeroDivisionError => e
  p e
end
p (raise "x" rescue "rescued")
e = RuntimeError.new("boom")
p e.message, e.inspect, StandardError.new.message
p DetailError.ancestors.take(4)
def deep(n) = n.zero? ? raise(TypeError, "bottom") : deep(n - 1)
begin
  deep(3)
rescue => err
  p err.class, err.message
end
catch(:done) do
  10.times { |i| throw :done if i == 3; puts i }
end
v = catch(:found) { [1, 2, 3].each { |i| throw :found, i * 7 if i == 2 }; nil }
p v
