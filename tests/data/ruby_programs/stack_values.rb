# Values pushed before a call that raises, breaks or changes the caller's locals, and the
# opt_* instructions falling back to methods a program defines.
def boom(x)
  raise ArgumentError, "boom #{x}" if x > 2
  x * 10
end

def total(n)
  sum = 0
  n.times do |i|
    sum = sum + [i, begin
                      boom(i)
                    rescue ArgumentError => e
                      e.message.size
                    end].sum
  end
  sum
end
p total(5)

r = [1, 2, 3].each_with_index.map { |v, i| v + i * 100 + [4, 5].each { |w| break w * v } }
p r

x = 1
bump = -> { x += 10 }
y = x + bump.call + x
p [x, y]

a = 5
z = a * (a = 3) + a
p z

class Vec
  attr_reader :v
  def initialize(v) = @v = v
  def +(o) = Vec.new(v + o.v)
  def -(o) = Vec.new(v - o.v)
  def <(o) = v < o.v
  def ==(o) = o.is_a?(Vec) && v == o.v
  def [](i) = v * i
  def []=(i, val)
    @v = i * val
  end
  def <<(o) = Vec.new(v * 100 + o)
  def size = 42
  def empty? = true
  def nil? = :maybe
  def ! = :not
  def to_s = "Vec(#{v})"
end
u, w = Vec.new(7), Vec.new(2)
p (u + w).v, (u - w).v, u < w, u == Vec.new(7), u != w, u[3], (u << 5).v
p u.size, u.length rescue p $!.class
p u.empty?, u.nil?, !u
u[2] = 4
p u.v, (u[3] = 9)
puts "#{u} and #{w} and #{nil} and #{:sym} and #{1.5} and #{10**20}"

h = Hash.new { |hash, k| hash[k] = k * 2 }
p h[3], h, h.fetch(3)
counts = {}
%w[a b a c a].each { |k| counts[k] ||= 0; counts[k] += 1 }
p counts
key = +"mutable"
store = {}
store[key] = 1
key << "!"
p store, store.keys[0].frozen?

s = +""
5.times { |i| s << i.to_s << "," }
p s, s == "0,1,2,3,4,", s.equal?(s.dup), [1] << 2 << 3

p 7 / 2, -7 / 2, 7 % -3, 7.5 / 2, 7.0 % 2, 2**70 / 3, 2**70 % 7
begin
  p 1 / 0
rescue ZeroDivisionError => e
  p e.message
end
p 1.0 / 0, -1 % 0.0 rescue p $!
i = 0
i += 1 while i < 10
p i, i.succ, nil.nil?, !nil, [].empty?, {}.size, "abc".size
