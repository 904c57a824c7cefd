# Array#pack and String#unpack: the directives everyday programs use, their counts, `*`,
# modifiers, encodings and errors.
def t
  p yield
rescue => e
  p e
end
t { [["abc"].pack("m").encoding, [65].pack("U").encoding, [65, 66].pack("CU").encoding, ["a"].pack("M").encoding, ["a"].pack("u").encoding, ["a"].pack("a").encoding, [1].pack("w").encoding, ["é"].pack("a*")] }
t { [1,2].pack("y") }
t { "abc".unpack("y") }
t { [1.5, -1.7, 2**70].pack("CCQ") }
t { [nil].pack("C") }
t { ["x"].pack("C") }
t { [].pack("C") }
t { ["a".unpack("S*"), "a".unpack("S"), "abc".unpack("a5"), "ab\0c".unpack("Z*Z*"), "ab  \0".unpack("A*")] }
t { [-1].pack("U") }
t { "\xff".unpack("U") }
t { [1,2,3].pack("C2") }
t { [1].pack("C3") }
t { ["abc", "de"].pack("a2x2A3@10Z*X2") }
t { ["1"].pack("C") }
t { [[300].pack("w"), "\x82\x2c".unpack("w")] }
t { [-1].pack("w") }
t { ["abc".unpack1("H*"), ["616"].pack("H*"), ["1010"].pack("B*"), "a".unpack("b*"), ["abcdefgh"*8].pack("m"), ["abc"].pack("m0"), "YWJj".unpack1("m0"), "YW=Jj".unpack1("m")] }
t { "YW=Jj".unpack1("m0") }
t { [["héllo=\n"].pack("M"), "h=C3=A9llo=3D=\n".unpack1("M"), ["hello"].pack("u"), "%:&5L;&\\\n".unpack("u")] }
t { "abcdefgh".unpack("C@5C@1CxCX2C") }
t { "ab".unpack("x3") }
t { [[1.5].pack("e"), [1.5].pack("G").bytes, "\x00\x00\xc0\x3f".unpack("e")] }
t { [1, 2, 3, 4, 5].pack("s_l_i!q<L>").bytes }
t { [1].pack("C C") }
t { "abc".unpack("C", offset: 1) }
t { "abc".unpack("C", offset: 4) }
t { [1,2].pack("C#comment\nC") }
t { [1.5].pack("U") }
t { "abc".unpack("S2") }
t { "abcde".unpack("S3C") }
t { ["1"].pack("e") }
t { [nil].pack("e") }
t { [2].pack("e") }
t { "abc".unpack("B5b*h3H*") }
t { ["10110", "1", "a1f", "F"].pack("B9b*h5H") }
t { ["abc"].pack("Z3") }
t { ["abc"].pack("Z*Z5a*A5") rescue $! }
t { ["abc", "x", "y", "z"].pack("Z*Z5a*A5") }
t { "abc\0def\0".unpack("Z*Z2Z9") }
t { "ab".unpack("U*") }
t { [0xD800, 0x7fffffff, 0x10FFFF].pack("U*").bytes }
t { "\xe0\x80\x80".unpack("U") }
t { "\xe3\x81".unpack("U") }
t { [1,2].pack("n_") }
t { [1].pack("C").encoding }
t { "\x01\x02\x03\x04\x05\x06\x07\x08".unpack("q>Q<") }
t { "\xff\xff\xff\xff".unpack("l<L>s>S<") }
t { [1, 2].pack("@3C@1C") }
t { [Object.new].pack("C") }
t { [true].pack("C") }
t { [Float::NAN].pack("C") }
t { [1].pack("a") }
t { "abc".unpack("@5C") }
t { "abc".unpack("X5C") }
t { [1].pack("CX5") }
t { [1, 2].pack("CX") }
header = [0xCAFE, 2, 1024, "name"].pack("nCN Z8")
p header, header.bytesize
magic, version, size, name = header.unpack("nCNZ8")
printf("%04x %d %d %s\n", magic, version, size, name)
data = (0..255).map(&:chr).join
p [data].pack("m").unpack1("m") == data, [data].pack("m0").unpack1("m0") == data
p [data].pack("u").unpack1("u") == data, [data].pack("M").unpack1("M") == data
p [data].pack("H*").unpack1("H*") == data.unpack1("H*"), [data].pack("B*").bytesize
p "héllo wörld".unpack("U*"), "héllo wörld".unpack("U*").pack("U*")
p [1, 2**40, 2**64 - 1].pack("w*").unpack("w*")
p [1.25, -2.5].pack("dE").unpack("dE"), [3.14159].pack("g").unpack1("g").round(5)
p "\x01\x02\x03\x04".unpack1("N"), "\x01\x02\x03\x04".unpack1("V"), "\x01\x02".unpack("nv")
p [-2].pack("l").unpack("L"), [65535].pack("S").unpack("s")
a = [200.chr, 201.chr].join; p a, a.encoding
p ["a", 200.chr].join.encoding, [200.chr, "a"].join.encoding, ["a","b"].join.encoding, [1,2].join.encoding, [].join.encoding
begin; ["é", 200.chr].join; rescue => e; p e; end
p [1, [2, [3]]].join("-"), [1, 2].join(", ").encoding, ["é", "x"].join(1.to_s), [nil, :a, 1.5].join("|")
p Encoding::CompatibilityError.ancestors.take(3)
