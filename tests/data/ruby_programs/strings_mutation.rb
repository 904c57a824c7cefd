# In-place String changes, frozen literals, dup/clone, << and concat.
a = +"abc"
b = a
b << "def"
p a, a.equal?(b), a.length
c = a.dup
c.upcase!
p a, c
d = "frozen".freeze
e = d.dup
e << "!"
p d, e, d.frozen?, e.frozen?, d.clone.frozen?
s = +"Hello"
s.concat(", ", "World")
s.insert(5, "!")
s.prepend(">> ")
p s, s.slice!(0, 3), s, s.replace("new"), s.clear, s.empty?
t = +"  trim me  "
p t.strip!, t, t.strip!, t.chomp!("me"), t
u = +"count"
p u.squeeze!, u.reverse!, u.capitalize!, u.downcase!, u.swapcase!
