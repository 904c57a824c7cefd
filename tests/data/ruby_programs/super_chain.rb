# super with implicit and explicit arguments, blocks passed through super, method_missing via super.
class Base
  def greet(name, punct = "!") = "Hello #{name}#{punct}"
  def each_twice
    yield 1
    yield 2
  end
  def initialize(*args, **kw)
    @args, @kw = args, kw
  end
  attr_reader :args, :kw
end
class Mid < Base
  def greet(name, punct = "?")
    super + " (mid)"
  end
  def each_twice
    super { |x| yield x * 10 }
  end
end
class Leaf < Mid
  def greet(name, *)
    super(name.upcase, ".") + " (leaf)"
  end
  def initialize(a, b = 2, k: 3)
    super
  end
end
p Base.new.greet("a"), Mid.new.greet("b"), Leaf.new(1).greet("c")
Mid.new.each_twice { |v| p v }
leaf = Leaf.new(1, k: 9)
p leaf.args, leaf.kw
class Ghost
  def method_missing(name, *args, &blk)
    return "ghost #{name} #{args.inspect}" if name.to_s.start_with?("boo")
    super
  end
  def respond_to_missing?(name, priv = false) = name.to_s.start_with?("boo") || super
end
g = Ghost.new
p g.boo(1, 2), g.respond_to?(:boohoo), g.respond_to?(:other)
begin
  g.other
rescue NoMethodError => e
  p e.class, e.name
end
