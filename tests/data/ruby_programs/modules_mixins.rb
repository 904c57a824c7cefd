# Module features: constants, nesting, module_function, included hooks, super chains.
module Shapes
  PI_ISH = 3
  class Shape
    def area = 0
    def describe = "#{self.class.name} with area #{area}"
  end
  class Square < Shape
    def initialize(s) = @s = s
    def area = @s * @s
  end
  class Circle < Shape
    def initialize(r) = @r = r
    def area = PI_ISH * @r * @r
  end
end
puts Shapes::Square.new(3).describe, Shapes::Circle.new(2).describe
module Trackable
  def self.included(base)
    base.extend(ClassMethods)
  end
  module ClassMethods
    def tracked = @tracked ||= []
    def track(*names) = tracked.concat(names)
  end
end
class Item
  include Trackable
  track :price, :name
end
p Item.tracked, Item.include?(Trackable), Item.singleton_class.include?(Trackable::ClassMethods)
module A; def who = "A"; end
module B; def who = "B+" + super; end
class Base; def who = "Base"; end
class Child < Base
  include A
  include B
  def who = "Child>" + super
end
p Child.new.who, Child.ancestors.take(4)
module Countable
  def self.extended(obj) = obj.instance_variable_set(:@count, 0)
  def bump = @count += 1
end
o = Object.new
o.extend(Countable)
o.bump
p o.bump
p Shapes.constants.sort, Shapes.const_get(:Square).name, Comparable.instance_of?(Module), Class.superclass
