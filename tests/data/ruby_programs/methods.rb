# Method definitions: optional, rest, post, keyword (required/optional/rest) and block parameters.
def full(a, b = 2, *rest, c, d:, e: 5, **opts, &blk)
  [a, b, rest, c, d, e, opts, blk ? blk.call : nil]
end
p full(1, 9, d: 4)
p full(1, 2, 3, 4, 5, d: 6, e: 7, f: 8) { :blk }
def kw_only(x:, y: x * 2) = [x, y]
p kw_only(x: 3), kw_only(y: 1, x: 2)
begin
  kw_only
rescue ArgumentError => e
  p e.message
end
begin
  kw_only(x: 1, z: 2)
rescue ArgumentError => e
  p e.message
end
def splat_all(*args, **kw) = [args, kw]
p splat_all(1, 2, k: 3), splat_all(*[1, 2], **{ z: 1 })
def opt(a, b = a * 2, c = b + 1) = [a, b, c]
p opt(1), opt(1, 5), opt(1, 5, 0)
def ret_multi = [1, 2]
q, w = ret_multi
p q + w
def yielder
  return enum_for(:yielder) unless block_given?
  yield :a, 1
  yield :b, 2
end
yielder { |k, v| p [k, v] }
p method(:opt).arity, method(:full).arity, method(:kw_only).arity
m = 5.method(:+)
p m.call(3), [1, 2].map(&10.method(:*))
def self.on_main = "singleton on main"
p on_main
p send(:opt, 4), send(:opt, 2, 2)
define_method(:dyn) { |x| x * 3 } rescue p $!.class
class Calc
  define_method(:triple) { |x| x * 3 }
  [:add, :sub].each do |op|
    define_method("#{op}_one") { |x| op == :add ? x + 1 : x - 1 }
  end
end
c = Calc.new
p c.triple(3), c.add_one(1), c.sub_one(1), c.respond_to?(:add_one)
def pass_block(&b) = [1, 2, 3].map(&b)
p pass_block { |x| x + 1 }
def implicit_hash(opts) = opts
p implicit_hash(a: 1, "b" => 2)
