# The interpreter's fast paths against what could break them: call-site caches when
# methods are redefined or objects get singleton methods, blocks run again in one frame
# (closures, binding, rescue, next/redo/break, fibers), builtins raising from a compiled
# call; the last error is not rescued.
class Shape
  def area = 0
  def describe(n) = "#{self.class.name.downcase} #{n}: #{area}"
end

class Square < Shape
  def initialize(s) = @s = s
  def area = @s * @s
end

shapes = [Square.new(2), Shape.new, Square.new(3)]
out = []
4.times do |i|
  out << shapes[i % 3].describe(i)
  if i == 1
    class Square
      def area = @s * 10
    end
  end
  def (shapes[0]).area = 99 if i == 2
end
puts out

procs = []
3.times { |i| procs << -> { i * 10 } }
p procs.map(&:call)
binds = []
2.times { |i| binds << binding }
p binds.map { |b| b.local_variable_get(:i) }
binds = []
3.times { |i| binds << send(:binding) }
p binds.map { |b| b.local_variable_get(:i) }

seen = []
5.times do |i|
  begin
    raise ArgumentError, "odd #{i}" if i.odd?
    seen << i
  rescue ArgumentError => e
    seen << e.message
  end
end
p seen

tries = 0
r = [1, 2, 3].map do |x|
  tries += 1
  next :skip if x == 2
  redo if tries == 1
  x * 2
end
p r, tries
p((1..10).each { |x| break x * 100 if x == 4 })

f = Fiber.new do
  3.times { |i| Fiber.yield i * i }
  :done
end
p 4.times.map { f.resume }

class Ghost
  def method_missing(name, *args) = name.to_s.start_with?("say_") ? "#{name}#{args}" : super
  def respond_to_missing?(name, priv = false) = name.to_s.start_with?("say_") || super
  private def secret = 1
end
g = Ghost.new
p g.say_hi(1), g.respond_to?(:say_x)
begin
  g.secret
rescue NoMethodError => e
  p [e.class, e.name]
end

# a literal appended goes in as bytes, but a receiver that keeps it gets its own String
s = +"a"
s << "b" << "c"
kept = []
2.times { kept << "z" }
kept[0] << "!"
sink = Object.new
def sink.<<(x) = (x << "?"; x)
p s, kept, sink << "q", (sink << "q").equal?(sink << "q")
latin = "\u00e9".encode("ISO-8859-1")
begin
  latin << "\u3042"
rescue Encoding::CompatibilityError => e
  p e.message
end

def depth(n) = n.zero? ? 0 : 1 + depth(n - 1)
p depth(200)
def parse(s) = Integer(s)
p [parse("12"), parse("0x1f")]
parse("twelve")
