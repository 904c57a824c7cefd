# More Enumerable: each_cons, chunk_while, zip, flat_map, inject with symbol, min(n), sum of floats.
nums = [1, 2, 4, 5, 6, 9, 10, 11, 12]
p nums.chunk_while { |a, b| b == a + 1 }.map { |g| g.size > 1 ? "#{g.first}-#{g.last}" : g.first.to_s }.join(",")
p nums.each_cons(2).map { |a, b| b - a }, nums.min(3), nums.max(2), nums.sum / nums.size.to_f
p nums.inject(:+), nums.flat_map { |x| [x, -x] }.take(4), nums.zip(nums.drop(1)).first(2), nums.each_slice(4).map(&:sum)
p [0.1, 0.2, 0.3].sum, [1, 2].sum(0.0), [[1, 2], [3, 4]].sum([]), %w[a b].sum(""), [1e100, 1.0, -1e100].sum
p nums.partition(&:even?), nums.group_by { |x| x % 3 }, nums.find_all { |x| x > 9 }, nums.take_while { |x| x < 5 }
p nums.drop_while { |x| x < 9 }, nums.min_by(2) { |x| -x } rescue p nums.max(2)
p (1..6).each_slice(2).to_h { |a, b| [a, b] }, %w[x y z].each_with_index.to_a.transpose, [3, 1, 2].sort.reverse
p [1, 2, 3, 4].sum { |x| x.odd? ? x : 0 }, ["a", "b", "a"].tally.max_by(&:last), [1, [2, [3]]].flatten.sum
