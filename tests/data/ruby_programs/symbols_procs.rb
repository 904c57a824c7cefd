# Symbols and Symbol#to_proc, method references, send with symbols.
p :abc, :"with space", :a.to_proc.call("x") rescue p $!.class
p %i[a b c].map(&:to_s), %w[x y].map(&:to_sym), :abc.length, :abc <=> :abd, :a.upcase
p [1, 2, 3].map(&:to_s), [[1, 2], [3, 4]].map(&:sum), %w[apple pie].map(&:capitalize)
p [1, 2, 3].inject(&:+), [3, 1, 2].sort.map(&:succ), ["a", "b"].each_with_index.map { |s, i| s * (i + 1) }
ops = %i[+ - * /]
p ops.map { |op| 12.send(op, 4) }, 5.respond_to?(:+), :+.to_proc.call(2, 3)
m = [1, 2, 3].method(:map)
p m.call { |x| x * 3 }, m.owner, m.name
def double(x) = x * 2
p [1, 2].map(&method(:double)), method(:double).to_proc.call(21)
p :sym.frozen?, :sym.object_id == :sym.object_id, "str".to_sym.equal?(:str)
