# eval, instance_eval and class_eval of strings, Binding, and redo.
def m(x)
  y = 2
  [1].each do |i|
    z = 3
    p eval("x + y + i + z")
    eval("y = 10; w = 5")
    p y, eval("defined?(w).inspect")
    p binding.local_variables
  end
  eval("raise 'boom'")
end
begin
  m(1)
rescue => e
  puts e.message, e.backtrace
end

class Foo
  def initialize = @a = 7
end
p Foo.new.instance_eval("@a + 1")
Foo.class_eval("def bar = @a * 2")
Foo.class_eval <<~RUBY, "foo_ext.rb", 100
  def baz(n)
    n.times.map { |k| k * @a }
  end
RUBY
p Foo.new.bar, Foo.new.baz(3), Foo.instance_method(:baz).source_location
f = Foo.new
f.instance_eval("def only_me = :singleton")
p f.only_me, Foo.new.respond_to?(:only_me)
String.instance_eval("def shout(s) = s.upcase + '!'")
p String.shout("hi")

b = binding
q = 4
p b.local_variable_get(:q), b.eval("q * 2"), b.local_variable_defined?(:q)
b.local_variable_set(:q, 9)
b.local_variable_set(:fresh, 1)
p q, b.local_variable_get(:fresh), b.eval("fresh + 1"), b.receiver
b.eval("kept = 42")
p b.eval("kept"), b.local_variables.include?(:kept)

def make_counter
  count = 0
  [binding, -> { count }]
end
cb, reader = make_counter
cb.eval("count += 5")
p reader.call

adder = eval("->(v) { v + q }")
q = 100
p adder.call(1)
eval("def top_m = 42")
p top_m
p eval("__FILE__"), eval("__LINE__"), eval("__LINE__", nil, "f.rb", 10)
p eval("[__method__, self]")
def k = eval("__method__")
p k
10.times { |n| eval("q += n") }
p q
p eval("eval('1 + 1') * 3")
begin
  Foo.new.instance_eval("@a.no_such_method", "inst.rb", 7)
rescue NoMethodError => e
  p e.message, e.backtrace[0]
end
begin
  eval("1 +")
rescue SyntaxError => e
  puts e.message
end
begin
  binding.local_variable_get(:nope)
rescue NameError => e
  p e.name
end

tries = 0
[1, 2].each do |v|
  tries += 1
  redo if tries == 1
  p [v, tries]
end
i = 0
while i < 3
  i += 1
  if i == 2 && tries < 5
    tries += 1
    redo
  end
  p [i, tries]
end
eval("raise ArgumentError, 'from eval'")
