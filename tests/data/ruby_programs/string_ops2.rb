# More String work: building, scanning, case conversion, encodings of literals.
s = +""
%w[alpha beta gamma].each_with_index { |w, i| s << "#{i}:#{w} " }
p s.strip, s.split.map { |t| t.split(":").last }, s.length
csv = "name,age\nalice,30\nbob,25\n"
rows = csv.lines.map(&:chomp).map { |l| l.split(",") }
header, *data = rows
p header, data.map { |r| header.zip(r).to_h }
text = "The quick brown fox jumps over the lazy dog"
p text.split.map(&:length), text.scan(/\b\w/).join, text.tr("aeiou", "*"), text.count("aeiou")
p text.sub(/(\w+) (\w+)/, '\2 \1'), text =~ /fox/, $~[0], $~.pre_match.length, text.index("lazy")
p text.split.group_by(&:size).transform_values(&:count), text.downcase.chars.uniq.size
p "hello world".each_char.select { |c| "aeiou".include?(c) }.tally
p "ab" <=> "b", "a".ord.chr, "z".succ, "Zz".succ, "a9".succ, "1.9".succ
p "CamelCaseString".gsub(/(?<!^)([A-Z])/, '_\1').downcase, "x-y-z".split("-", 2)
p "%s=%s" % %w[k v], "abc".each_char.with_index.map { |c, i| c * (i + 1) }.join
p "title case words".split.map(&:capitalize).join(" "), "  lots   of   space ".squeeze(" ").strip
p "é".bytes, "日本語".chars, "日本語".length, "日本語".bytesize, "日本語".reverse
