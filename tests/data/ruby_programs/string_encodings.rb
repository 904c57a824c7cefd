# String encodings: UTF-8, ASCII-8BIT, US-ASCII; bytes versus characters; invalid bytes.
u = "héllo wörld"
p u.encoding, u.length, u.bytesize, u.bytes.first(3), u.valid_encoding?, u.ascii_only?
b = u.b
p b.encoding, b.length, b[1], b.valid_encoding?
bad = "abc\xff".dup
p bad.valid_encoding?, bad.length, bad.inspect, bad.bytes.last
p "abc".force_encoding("ASCII-8BIT").encoding, "abc".encoding.name, "x".encoding.to_s
p "€".bytes, "€".ord, 8364.chr(Encoding::UTF_8), [104, 105].pack("U*"), "日本".each_char.map(&:ord)
p "naïve café".upcase, "ÀÉÎ".downcase, "straße".length, "mañana".reverse, "über".capitalize
