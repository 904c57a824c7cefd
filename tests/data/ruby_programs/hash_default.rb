# Word frequency, nested hashes, hash-based dispatch.
text = "the cat and the hat and the bat sat on the mat"
freq = text.split.each_with_object(Hash.new(0)) { |w, h| h[w] += 1 }
p freq, freq.sort_by { |w, c| [-c, w] }.first(3), freq.max_by(&:last), freq.select { |_, c| c == 1 }.keys
tree = Hash.new { |h, k| h[k] = Hash.new(&h.default_proc) }
tree[:a][:b][:c] = 1
tree[:a][:d] = 2
p tree
ops = { add: ->(a, b) { a + b }, mul: ->(a, b) { a * b }, pow: :**.to_proc }
p ops.map { |name, f| [name, f.call(3, 4)] }.to_h
inventory = { apple: 3, banana: 0, cherry: 7 }
inventory.delete_if { |_, n| n.zero? }
inventory[:date] = 1
p inventory, inventory.sum { |_, v| v }, inventory.keys.sort, inventory.min_by { |_, v| v }
p inventory.to_a.flatten, inventory.invert, inventory.any? { |k, v| v > 5 }, inventory.count
h = { b: 2, a: 1 }
h[:c] = 3
p h.keys, h.sort.to_h, h.sort_by { |k, v| -v }.map(&:first), h.find { |k, v| v > 1 }
p h.reduce(0) { |s, (k, v)| s + v }, h.each_with_index.map { |(k, v), i| "#{i}#{k}#{v}" }
nested = { users: [{ name: "a", tags: %w[x y] }, { name: "b", tags: [] }] }
p nested[:users].map { |u| u[:tags].size }, nested.dig(:users, 0, :tags, 1)
