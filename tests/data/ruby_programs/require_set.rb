# require of a pure-Ruby standard library file (set.rb from Debian's ruby).
require 'set'
a = Set.new([1, 2, 3, 2])
b = Set[3, 4, 5]
p a.size, a.include?(2), (a | b).to_a.sort, (a & b).to_a, (a - b).to_a.sort, a.subset?(Set[1, 2, 3, 4])
a << 10
a.delete(1)
p a.to_a.sort, a.map { |x| x * 2 }.sort, a.select(&:even?).to_a.sort, a.frozen?, a.empty?
p [3, 1, 3].to_set.size, Set.new("hello".chars).size
