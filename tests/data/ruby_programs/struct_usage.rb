# Struct: positional and keyword init, methods in the block, equality, to_h, members, arrays of structs.
Point = Struct.new(:x, :y) do
  def +(o) = Point.new(x + o.x, y + o.y)
  def to_s = "(#{x}, #{y})"
end
a = Point.new(1, 2)
b = Point.new(3, 4)
puts a + b
p a, a.to_a, a.to_h, a.members, Point.members, a == Point.new(1, 2), a.eql?(b), a[0], a[:y], a["x"]
a.x = 10
p a, a.size, a.values, a.each.to_a rescue p a
Person = Struct.new(:name, :age, keyword_init: true)
people = [Person.new(name: "Cy", age: 40), Person.new(name: "Al", age: 25)]
p people.sort_by(&:age).map(&:name), people.sum(&:age), people.find { |q| q.age > 30 }.name
h = { Point.new(0, 0) => "origin" }
p h[Point.new(0, 0)], Point.new(1, 1).hash == Point.new(1, 1).hash
begin
  Point.new(1, 2, 3)
rescue ArgumentError => e
  p e.message
end
x, y = *Point.new(5, 6)
p x + y
