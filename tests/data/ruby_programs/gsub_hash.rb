# gsub with hash replacement, block forms and back-references; sub! / gsub! results.
p "cat hat".gsub(/[ch]at/, "cat" => "dog", "hat" => "cap")
p "2 + 3 = 5".gsub(/\d/) { |d| (d.to_i * 10).to_s }
p "john smith".gsub(/(\w+) (\w+)/, '\2, \1'), "aaa".sub("a", "b"), "aaa".gsub("a", "bb")
s = +"hello world"
p s.sub!("world", "ruby"), s, s.sub!("zzz", "y"), s.gsub!("l", "L"), s
p "x1y2".gsub(/(?<d>\d)/, '<\k<d>>'), "tab\tsep".gsub("\t", "\\t")
p "MiXeD".swapcase, "ruby is fun".split.map(&:reverse).join(" "), "abc".tr("a-c", "A-C")
p "hello"[1], "hello"[1, 3], "hello"[-3..], "hello".slice(0..1), "hello".chars.each_slice(2).map(&:join)
