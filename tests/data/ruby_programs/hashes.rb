# Hash: insertion order, default values and procs, iteration, transformation.
h = { "one" => 1, two: 2, 3 => [3] }
p h, h["one"], h[:two], h[3], h[:missing], h.size, h.keys, h.values
h[:four] = 4
h.delete("one")
p h, h.key?(:two), h.value?(4), h.to_a.first, h.first, h.min_by { |_, v| v.is_a?(Array) ? 0 : v }
counts = Hash.new(0)
%w[a b a c a b].each { |w| counts[w] += 1 }
p counts, counts.sort_by { |k, v| [-v, k] }, counts.max_by { |_, v| v }, counts.sum { |_, v| v }
groups = Hash.new { |hash, k| hash[k] = [] }
[1, 2, 3, 4, 5].each { |n| groups[n.odd? ? :odd : :even] << n }
p groups, groups.default_proc.class
scores = { alice: 90, bob: 72, carol: 85 }
p scores.select { |_, s| s > 80 }, scores.reject { |_, s| s > 80 }, scores.map { |k, v| "#{k}:#{v}" }
p scores.transform_values { |v| v + 1 }, scores.to_a.transpose, scores.invert, scores.sort_by { |_, v| v }.to_h
p scores.min_by { |_, v| v }, scores.sum { |_, v| v }, scores.count { |_, v| v > 80 }, scores.find { |_, v| v < 80 }
p scores.merge({ dave: 60 }) { |k, a, b| a + b }, scores.merge({ bob: 1 }) { |k, a, b| a + b }
p scores.each_with_object({}) { |(k, v), acc| acc[v] = k }, scores.group_by { |_, v| v >= 85 }
p scores.dig(:alice), { a: { b: { c: 1 } } }.dig(:a, :b, :c), scores.fetch(:bob), scores.fetch(:zed, 0)
p scores.any? { |_, v| v > 89 }, scores.all? { |_, v| v > 70 }, scores.keys.map(&:to_s), scores.to_h { |k, v| [v, k] }
nested = { list: [1, { deep: true }], str: "s" }
p nested, nested.to_a.flatten(1)
p({ b: 1, a: 2 }.sort.to_h, { a: nil }.compact, { a: 1 }.merge(b: 2), Hash[[[:k, :v]]])
ident = {}.compare_by_identity
k1 = "key"
ident[k1] = 1
ident["key".dup] = 2
p ident.size
h2 = { a: 1 }
h2.each_pair { |k, v| puts "#{k} => #{v}" }
h2.each { |pair| p pair }
