# Class variables shared down the hierarchy, class-level instance variables, constants lookup.
class Base
  @@registry = []
  @count = 0
  LIMIT = 3
  class << self
    attr_accessor :count
    def register(x) = @@registry << x
    def registry = @@registry
  end
  def self.inherited(sub)
    super
    register(sub.name)
  end
  def limit = LIMIT
end
class A < Base
  LIMIT = 5
  @count = 10
end
class B < Base; end
p Base.registry, Base.count, A.count, B.count, A.new.limit, A::LIMIT, B::LIMIT, Base.class_variable_get(:@@registry)
A.count += 1
p A.count, Base.class_variables, A.class_variable_defined?(:@@registry)
module Outer
  X = 1
  module Inner
    def self.x = X
  end
end
p Outer::Inner.x, defined?(Outer::Y), Outer.const_defined?(:X)
