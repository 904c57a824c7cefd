# String#encode between UTF-8, US-ASCII, ASCII-8BIT and ISO-8859-1, with its options and errors.
def t; p yield; rescue => e; p e; end
t { "é".encode("US-ASCII") }
t { "é".encode("ASCII-8BIT") }
t { "\xff".b.encode("UTF-8") }
t { "abc".b.encode("UTF-8").encoding }
t { "é".encode("US-ASCII", undef: :replace) }
t { "é".encode("US-ASCII", undef: :replace, replace: "*") }
t { "a\xffb".encode("UTF-8", invalid: :replace) }
t { "a\xffb".encode("UTF-8", "ISO-8859-1") }
t { "abc".encode(Encoding::US_ASCII).encoding }
t { "é".encode("UTF-8", "ASCII-8BIT") }
t { "x".encode("NOPE") }
t { "é".encode("US-ASCII", fallback: {"é" => "e"}) }
t { "é".encode("US-ASCII", xml: :text) }
t { "é".encode }
t { ["a<b>&\"c\"".encode("UTF-8", xml: :attr), "a<b>".encode("US-ASCII", xml: :text)] }
t { "caf\xE9".force_encoding("ISO-8859-1").encode("UTF-8") }
t { "café".encode("ISO-8859-1").bytes }
t { "\u20ac".encode("ISO-8859-1") }
t { "ok\xff".force_encoding("US-ASCII").encode("UTF-8") }
