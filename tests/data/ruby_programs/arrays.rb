# Array and Enumerable.
a = [5, 3, 8, 1, 9, 2]
p a.sort, a.sort { |x, y| y <=> x }, a.max, a.min, a.sum, a.minmax, a.sort_by { |x| -x }
p a.select(&:even?), a.reject(&:even?), a.map { |x| x * 2 }, a.find { |x| x > 5 }
p a.each_slice(2).to_a, a.each_cons(3).first, a.partition(&:odd?), a.group_by(&:odd?)
p a.inject(:+), a.reduce(1) { |acc, x| acc * x }, a.take(2), a.drop(4), a.first, a.last(2)
p a.include?(8), a.index(8), a.count(&:even?), a.tally, [1, [2, [3, [4]]]].flatten, [1, [2, [3]]].flatten(1)
p a.zip(a.map { |x| x * x }).first(2), a.each_with_index.map { |x, i| x * i }, a.each_with_object([]) { |x, acc| acc << x if x > 4 }
p [1, 2, 2, 3, 3, 3].uniq, [3, nil, 1, nil].compact, [1, 2] + [3], [1, 2, 3] - [2], [1, 2] & [2, 3], [1, 2] | [2, 3]
p [[1, :a], [2, :b]].to_h, [1, 2, 3].each_slice(2).map(&:sum), %w[x y z].each_with_index.to_a
b = [1, 2, 3]
b << 4
b.push(5, 6)
b.unshift(0)
p b, b.pop, b.shift, b, b.length, b.reverse, b.rotate, b.sample.class, b.shuffle.length
b.map! { |x| x * 10 }
b.select!(&:positive?)
b.delete_if { |x| x > 40 }
p b, b.frozen?, b.dup.equal?(b), Array.new(3) { |i| i * i }, Array.new(2, :z), [0] * 3
p [3, 1, 2].sort!.first, [1, 2, 3].any? { |x| x > 2 }, [1, 2, 3].all?(Integer), [].none?, [nil, 1].one?
c = [1, 2, 3, 4, 5, 6]
p c[1..3], c[1...-1], c[-2..], c[10], c.values_at(0, 2, 4), c.each_slice(4).to_a, c.min_by { |x| (x - 4).abs }
x, y, *rest = c
p x, y, rest
*init, last = c
p init, last
first, (second, third) = [1, [2, 3]]
p first, second, third
p [[1, 2], [3, 4]].map { |m, n| m * n }, [[1, 2], [3, 4]].transpose, [1, 2, 3].each_cons(2).to_a
p [1, 2, 3].filter_map { |x| x * 2 if x.odd? }, [1, 2, 3, 4].sum { |x| x.to_f / 2 }, [1, 2, 3].cycle.first(7) rescue p $!
p ["b", "a", "c"].sort.join(","), [1, 2, 3].join("-"), [[1, 2], [3]].sum([]), [1, 2, 3].product([4, 5]).length
p [1, 2, 3, 4].chunk_while { |i, j| j == i + 1 }.to_a, [1, 2, 4, 9, 10, 11].slice_when { |i, j| j != i + 1 }.to_a
