# Reflection: classes, instance variables, send, respond_to?, instance_variable_get/set.
class Person
  attr_accessor :name, :age
  def initialize(name, age)
    @name, @age = name, age
  end
  def adult? = age >= 18
  private
  def secret = "hidden"
  protected
  def prot = 1
end
bob = Person.new("Bob", 20)
p bob.instance_variables, bob.instance_variable_get(:@name), bob.respond_to?(:secret), bob.respond_to?(:adult?)
bob.instance_variable_set(:@age, 12)
p bob.adult?, bob.send(:secret), bob.public_send(:name), Person.instance_methods(false).sort
p Person.private_method_defined?(:secret), Person.method_defined?(:name), bob.class, bob.class.class
begin
  bob.secret
rescue NoMethodError => e
  puts e.class, e.message.start_with?("private method `secret' called")
end
p Person.name, Person.to_s, Person.superclass, Person.ancestors.include?(Kernel)
p 5.class, 5.0.class, "s".class, :s.class, nil.class, true.class, [].class, {}.class, (1..2).class, 1.method(:+).class
p Integer.ancestors.take(4), 3.is_a?(Comparable), 3.kind_of?(Numeric), Integer === 3, (1..3) === 2
klass = Class.new do
  def hi = "anon hi"
end
p klass.new.hi, klass.name
Named = klass
p klass.name
p bob.frozen?, bob.dup.name, bob.methods.include?(:adult?), Person.instance_method(:adult?).class
s = Object.new
class << s
  def special = "singleton class method"
end
p s.special, s.singleton_methods
