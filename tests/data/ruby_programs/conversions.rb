# Conversions between types: Integer(), Float(), String(), Array(), to_s/to_i/to_sym/to_a/to_h.
p Integer("0x1A"), Integer("-42"), Integer(" 7 "), Integer(3.99), Float("2.5e3"), Float(3)
p String(123), String(nil), Array(nil), Array([1]), Array(1..3), Array("a"), Array({ a: 1 })
p "12abc".to_i, "abc".to_i, "3.9kg".to_f, "1e3".to_f, :sym.to_s, "str".to_sym, 65.chr, "A".ord
p [[:a, 1], [:b, 2]].to_h, { a: 1 }.to_a, (1..4).to_a, "abc".chars, nil.to_a, nil.to_s, nil.to_i
p 1.to_s, 1.5.to_s, 1e-7.to_s, 10**25, (10**25).to_s.size, 255.to_s(16), "ff".hex, "0b11".to_i(0) rescue p $!.class
p 3.7.to_i, -3.7.to_i, 3.to_f, 2.5.ceil, "42".rjust(5, "0"), 42.to_s.rjust(6, "."), 1.0.to_i.class
begin
  Integer("4.5")
rescue ArgumentError => e
  puts e.message
end
begin
  Float("abc")
rescue ArgumentError => e
  puts e.message
end
p Integer("z", exception: false), [1, "2", :three, 4.0, nil].map(&:to_s)
