# Struct-like value objects written by hand, equality and hashing, to_s/inspect overrides.
class Point
  attr_reader :x, :y
  def initialize(x, y)
    @x, @y = x, y
  end
  def +(o) = Point.new(x + o.x, y + o.y)
  def ==(o) = o.is_a?(Point) && x == o.x && y == o.y
  alias eql? ==
  def hash = [x, y].hash
  def to_s = "(#{x}, #{y})"
  def inspect = "#<Point #{x},#{y}>"
  def coerce(n) = [Point.new(n, n), self]
end
a = Point.new(1, 2)
b = Point.new(3, 4)
puts a + b
p a, [a, b], a == Point.new(1, 2), a.equal?(Point.new(1, 2))
h = { a => "first" }
p h[Point.new(1, 2)]
p [a, Point.new(1, 2), b].uniq.size
class Point
  include Comparable
  def <=>(o) = (x**2 + y**2) <=> (o.x**2 + o.y**2)
end
p [b, a].sort, a < b, [a, b].max, a.clamp(a, b)
class Temperature
  def initialize(deg) = @deg = deg
  def method_missing(name, *args)
    if name.to_s.start_with?("to_")
      "#{@deg} converted #{name.to_s.sub('to_', '')}"
    else
      super
    end
  end
  def respond_to_missing?(name, include_private = false) = name.to_s.start_with?("to_") || super
end
t = Temperature.new(21)
p t.to_kelvin, t.respond_to?(:to_x), t.respond_to?(:foo)
begin
  t.foo
rescue NoMethodError => e
  puts "NoMethodError raised"
end
