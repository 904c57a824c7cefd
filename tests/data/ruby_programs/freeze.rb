# freeze and FrozenError.
s = "abc".freeze
begin
  s << "d"
rescue FrozenError => e
  p e.class, e.message
end
a = [1, 2].freeze
begin
  a << 3
rescue => e
  p e.message
end
h = { k: 1 }.freeze
begin
  h[:j] = 2
rescue => e
  p e.message
end
class Box
  attr_accessor :v
end
bx = Box.new
bx.v = 1
bx.freeze
begin
  bx.v = 2
rescue FrozenError => e
  puts e.class
end
p bx.frozen?, s.frozen?, a.dup.frozen?, :sym.frozen?, 1.frozen?, nil.frozen?
d = s.dup
d << "!"
p d, s
