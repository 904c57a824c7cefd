# frozen_string_literal: true
# With the magic comment every string literal is frozen.
s = "literal"
p s.frozen?
begin
  s << "x"
rescue FrozenError => e
  puts e.message
end
t = +"unfrozen copy"
t << "!"
p t, t.frozen?, "a#{1}b".frozen?, String.new("x").frozen?, s.dup.frozen?
