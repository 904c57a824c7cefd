# External enumerators: next, peek, rewind, StopIteration#result, zipping two generators.
e = [10, 20, 30].each
p e.next, e.peek, e.next, e.next
begin
  e.next
rescue StopIteration => ex
  p ex.class, ex.result.class
end
e.rewind
p e.next
gen = Enumerator.new do |y|
  y << :a
  y << :b
  y.yield :c
  :finished
end
p gen.next, gen.next, gen.next
begin
  gen.next
rescue StopIteration => ex
  p ex.result
end
evens = Enumerator.new { |y| n = 0; loop { y << n; n += 2 } }
odds = Enumerator.new { |y| n = 1; loop { y << n; n += 2 } }
p 4.times.map { [evens.next, odds.next] }, evens.first(3), evens.take(2), evens.lazy.map { |x| x * x }.first(3)
p [1, 2, 3].each_with_index.to_a, [1, 2, 3].map.with_index(10).to_a, %w[a b].each.with_object([]).to_a.size
