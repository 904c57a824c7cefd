# String methods, formatting and encodings.
s = "Hello, World"
p s.length, s.upcase, s.downcase, s.swapcase, s.reverse, s[0], s[-1], s[0, 5], s[7..]
p s.sub("World", "Ruby"), s.gsub(/o/, "0"), s.index("o"), s.rindex("o"), s.count("lo")
p s.split(", "), "a,b,,c,,".split(","), " x  y ".split, "abc".chars, "a-b_c".tr("-_", "  ")
p s.start_with?("Hell"), s.end_with?("x"), s.include?("lo, W"), s.empty?, "".empty?
p "%05d|%-6s|%+.3f|%x|%o|%b|%e|%10.4s|" % [42, "ab", 3.14159, 255, 8, 5, 12345.678, "abcdefgh"]
p format("%s and %p", "str", "str"), format("%-5s|%5s", "ab", "cd"), format("%3$s %1$s", "a", "b", "c") rescue p $!.class
p "abc" * 3, "a" + "b", "abc" <=> "abd", "b" == "b", "abc".succ, "az".succ, "zz".succ
p "  pad  ".strip, "xxhixx".delete("x"), "aaabbb".squeeze, "hello world".capitalize
p "snake_case_word".split("_").map(&:capitalize).join, "CamelCase".gsub(/([A-Z])/) { "_" + $1.downcase }
p "line1\nline2\n".lines, "tab\there", "quote\"s", "uni: é ü 日本", "\e[0m"
t = +"mutable"
t << " string" << "!"
t.upcase!
p t, t.frozen?, "lit".frozen?, :upcase.to_proc.call("x")
p "hello"[1..3], "hello".center(11, "*"), "hi".ljust(5, ".") + "|", "hi".rjust(5) + "|"
p "a1b22c333".scan(/\d+/), "k=v; k2=v2".scan(/(\w+)=(\w+)/)
p "abc".each_char.to_a, "abc".bytes, "é".bytesize, "é".length, "abc".ord, 97.chr
p "3.7".to_f, "42abc".to_i, "0x1f".hex, "777".oct, "12".to_i(2) rescue p $!
p "Hello World Foo".split(" ", 2), "a b c".split(/\s/), "1,2;3".split(/[,;]/)
p "hello %s, you are %d" % ["Bob", 30], "%.2f%%" % 99.5
p "abc".freeze.frozen?, "x".encoding, "x".b.encoding, "x".force_encoding("ASCII-8BIT").encoding
