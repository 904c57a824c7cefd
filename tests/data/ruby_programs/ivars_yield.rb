# Instance variables and yield through the translation tier: compound updates, frozen receivers, no block.
class Acc
  attr_reader :log
  def initialize = (@n = 0; @log = [])
  def add(k) = (@n += k; @log << @n; self)
  def each
    yield 1
    yield 2, 3
    r = yield(@n)
    @log << r
  end
end
a = Acc.new
a.add(2).add(3)
a.each { |x, y = :d| a.add(x); [x, y] }
p a.log
def no_block = yield
begin; no_block; rescue LocalJumpError => e; p e.message; end
s = "frozen".freeze
begin; s.instance_variable_set(:@x, 1); rescue => e; p e.class; end
class Fz; def set = @v = 1; end
f = Fz.new.freeze
begin; f.set; rescue FrozenError => e; p e.message.sub(/0x\h+/, "X"); end
p Acc.new.instance_variable_get(:@missing)
class Cnt; def initialize = @c = 0; def tick = @c = @c + 1; end
c = Cnt.new; 5.times { c.tick }; p c.tick
