# Ranges: inclusive/exclusive, endless, letters, step, include?/cover?, to_a, sum.
r = (1..10)
p r.to_a, r.sum, r.size, (1...10).size, r.step(3).to_a, r.select(&:even?), r.each_slice(4).to_a
p ("a".."e").to_a, ("a".."e").include?("c"), ("aa".."ad").to_a, (1.0..2.0).include?(1.5)
p (1..).first(3), (..5).include?(3), (1...1).to_a, (5..1).to_a, r.min, r.max, r.minmax
p r.include?(10), (1...10).include?(10), r === 5, r.cover?(2..3), (1..10) == (1..10)
p r.map { |i| i * i }.last(3), r.each_cons(3).first, r.find { |i| i % 7 == 0 }, r.count(&:odd?)
p (1..3).reduce(:+), ('A'..'C').map(&:downcase), (1..4).each_with_object([]) { |i, a| a << i * 2 }
case 75
when 0..49 then puts "low"
when 50..79 then puts "mid"
else puts "high"
end
p (1..10) .step(2).map { |x| x }, 1.step(2.0, 0.5).to_a
