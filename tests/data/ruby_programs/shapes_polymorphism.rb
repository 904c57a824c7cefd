# Polymorphism, abstract methods raising NotImplementedError, to_s/inspect and sorting by area.
class Shape
  def area = raise(NotImplementedError, "#{self.class} must implement area")
  def <=>(o) = area <=> o.area
  include Comparable
  def to_s = format("%-9s %8.3f", self.class.name, area)
end
class Circle < Shape
  def initialize(r) = @r = r
  def area = Math::PI * @r**2
end
class Rect < Shape
  def initialize(w, h) = (@w, @h = w, h)
  def area = @w * @h
end
class Tri < Shape
  def initialize(b, h) = (@b, @h = b, h)
  def area = 0.5 * @b * @h
end
shapes = [Circle.new(1), Rect.new(2, 3), Tri.new(4, 5), Circle.new(0.5)]
puts shapes.sort.map(&:to_s)
p shapes.max.class, shapes.sum(&:area).round(4), shapes.group_by(&:class).transform_values(&:size).transform_keys(&:name)
begin
  Shape.new.area
rescue NotImplementedError => e
  p e.message, e.class.superclass
end
