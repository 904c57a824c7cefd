# Classes, inheritance, super, modules, include/prepend/extend, singleton methods.
module Greet
  def greet = "Hello from #{name}"
end
module Loud
  def greet = super.upcase + "!"
end
class Animal
  include Comparable
  attr_reader :name, :legs
  def initialize(name, legs = 4)
    @name = name
    @legs = legs
  end
  def <=>(other) = legs <=> other.legs
  def to_s = "#{self.class.name.downcase} #{@name}"
  def self.create(*args) = new(*args)
end
class Bird < Animal
  include Greet
  prepend Loud
  def initialize(name)
    super(name, 2)
  end
  def to_s = "a #{super}"
end
tweety = Bird.create("Tweety")
rex = Animal.new("Rex")
puts tweety, rex, tweety.greet
puts tweety < rex, [rex, tweety].min.name
p Bird.ancestors.take(5)
p Bird.instance_methods(false).sort
o = Object.new
def o.hi = "singleton hi"
puts o.hi
module Util
  def self.twice(x) = x * 2
  module_function
  def half(x) = x / 2
end
p Util.twice(4), Util.half(9)
s = "str"
s.extend(Greet)
def s.name = "the string"
puts s.greet
class Animal
  def sound = "..."
end
puts tweety.sound
p tweety.is_a?(Animal), tweety.instance_of?(Animal), Bird.superclass, Bird.include?(Greet)
p tweety.respond_to?(:greet), rex.respond_to?(:greet)
class Counter
  @@count = 0
  COUNT_LIMIT = 10
  def self.bump = @@count += 1
  def self.count = @@count
end
3.times { Counter.bump }
p Counter.count, Counter::COUNT_LIMIT
