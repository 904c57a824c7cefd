# String#encode, force_encoding and valid_encoding? across code pages, UTF-16/32 and the
# Japanese encodings; Ruby's exceptions and their messages; the last one is not rescued.
text = "caf\u00e9 \u20ac5 <b>\"\u3042\u65e5\""
%w[ISO-8859-1 ISO-8859-15 Windows-1252 Windows-1251 UTF-16LE UTF-16BE UTF-32LE UTF-16
   Shift_JIS EUC-JP US-ASCII].each do |name|
  r = text.encode(name, undef: :replace, replace: "?")
  puts "#{name.ljust(12)} #{r.bytesize.to_s.rjust(3)} #{r.length.to_s.rjust(3)} #{r.inspect}"
  back = r.encode("UTF-8")
  puts "  back: #{back} #{back.encoding} #{r.valid_encoding?}"
end

def attempt(label)
  result = yield
  puts "#{label}: #{result.inspect} (#{result.encoding})"
rescue EncodingError => e
  puts "#{label}: #{e.class}: #{e.message}"
end

attempt("latin1 euro") { "\u20ac".encode("ISO-8859-1") }
attempt("cp1252 euro") { "\u20ac".encode("Windows-1252") }
attempt("via utf-8") { "\u20ac".encode("Windows-1252").encode("ISO-8859-1") }
attempt("cp1252 hole") { "\x81".force_encoding("Windows-1252").encode("UTF-8") }
attempt("utf-8 broken") { "ab\xE3\x81z".encode("UTF-16LE") }
attempt("utf-8 cut") { "ab\xE3\x81".encode("UTF-16LE") }
attempt("utf-16 lone") { "\x00\xD8a\x00".force_encoding("UTF-16LE").encode("UTF-8") }
attempt("sjis to euc") { "\u65e5\u672c\u8a9e".encode("Shift_JIS").encode("EUC-JP") }
attempt("sjis unmapped") { "\x85\x40".force_encoding("Shift_JIS").encode("UTF-8") }
attempt("euc 0212") { "\u00e9".encode("EUC-JP").encode("Shift_JIS") }
attempt("replace all") { "h\u20ac\u00e9\xff".encode("US-ASCII", invalid: :replace, undef: :replace, replace: "*") }
attempt("xml text") { "<a & \u3042>".encode("ISO-8859-1", xml: :text) }
attempt("xml attr") { "it's \"\u20ac\"".encode("US-ASCII", xml: :attr) }
attempt("fallback") { "\u20ac\u00a3".encode("US-ASCII", fallback: { "\u20ac" => "EUR", "\u00a3" => "GBP" }) }
attempt("crlf") { "a\nb\n".encode("UTF-16LE", crlf_newline: true) }
attempt("universal") { "a\r\nb\rc".encode("ISO-8859-1", universal_newline: true) }
attempt("bom") { "\xFF\xFEh\x00i\x00".force_encoding("UTF-16").encode("UTF-8") }
attempt("unknown") { "x".encode("EBCDIC-XYZ") }
attempt("mixed +") { "\u3042".encode("UTF-16LE") + "x" }
p Encoding.find("cp1252"), Encoding::SHIFT_JIS.names, Encoding::UTF_16LE.ascii_compatible?
p "\xe9t\xe9".force_encoding("ISO-8859-1").valid_encoding?, "\xe9t".force_encoding("UTF-8").valid_encoding?
p "\x82\xa0".force_encoding("Shift_JIS").length, "\x82".force_encoding("Shift_JIS").valid_encoding?
begin
  "x".force_encoding("nope")
rescue ArgumentError => e
  puts e.message
end
"caf\u00e9 \u3042".encode("ISO-8859-1")
