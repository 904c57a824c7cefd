# Hash keeps insertion order through updates, deletes and re-inserts; keys of many types.
h = {}
h[:z] = 1
h["a"] = 2
h[3] = 3
h[[1, 2]] = 4
h[nil] = 5
h[1.5] = 6
p h, h.keys
h[:z] = 10
h.delete("a")
h["a"] = 20
p h.keys, h.values, h[[1, 2]], h[nil], h[1.5], h[1], h.key(20)
h2 = h.select { |k, _| k.is_a?(Symbol) || k.nil? }
p h2, h.reject { |k, _| k.is_a?(Numeric) }.size, h.min_by { |_, v| v }, h.sort_by { |_, v| -v }.first
p h.to_a.last, h.first(2), h.each_with_index.map { |(k, v), i| i }, h.count, h.length
p({ 1 => :a } == { 1.0 => :a }, { 1 => :a }.key?(1.0), { "k" => 1 }.key?("k"))
