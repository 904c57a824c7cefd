# Regexp and MatchData.
re = /(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})/
m = re.match("Date: 2024-03-15.")
p m[:year], m["month"], m[3], m.pre_match, m.post_match, m.names, m.captures
p m.named_captures, m.begin(0), m.end(0), m.to_a
p "a1b2c3".gsub(/\d/) { |d| (d.to_i * 2).to_s }, "foo bar".sub(/o+/, "0")
p "2024-03-15" =~ re, $~[:day], Regexp.last_match(1)
if "John Smith" =~ /(\w+) (\w+)/
  p [$1, $2, $~.to_a]
end
p "one two three".scan(/\w+/), "k1=v1,k2=v2".scan(/(\w+)=(\w+)/).to_h
p "HeLLo" =~ /hello/i, "line1\nline2" =~ /^line2$/, "abc".match?(/b/), "abc" !~ /z/
p "a.b.c".split("."), "a1b22c".split(/\d+/), "tel: 555-1234".tr("^0-9", "")
p Regexp.escape("a.b*c"), Regexp.union("a", "b.c"), /x/.source, /a+b/.inspect, /m/im.options
email = /\A[\w+\-.]+@[a-z\d\-]+(\.[a-z\d\-]+)*\.[a-z]+\z/i
p %w[user@example.com bad@ x@y.org].map { |e| e.match?(email) }
p "snake_case_here".gsub(/_(\w)/) { $1.upcase }, "path/to/file.rb"[/\w+\.rb/], "v1.2.3"[/\d+\.(\d+)/, 1]
case "hello123"
when /^\d+$/ then puts "digits"
when /^[a-z]+\d+$/ then puts "letters then digits"
end
