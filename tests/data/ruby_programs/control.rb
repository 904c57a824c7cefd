# Control flow: if/unless/case/while/until/for, ranges, case with classes and ranges.
def classify(x)
  case x
  when 0 then "zero"
  when 1..9 then "digit"
  when Integer then "integer"
  when /^\d+$/ then "numeric string"
  when String, Symbol then "text"
  when nil then "nil"
  else "other"
  end
end
[0, 5, 42, "123", "abc", :s, nil, 1.5].each { |v| puts "#{v.inspect}: #{classify(v)}" }
i = 0
while i < 3
  i += 1
  next if i == 2
  puts "while #{i}"
end
until i.zero?
  i -= 1
end
p i
for j in 1..3 do print j, " " end
puts
k = 0
k += 1 while k < 10
p k
p (1..4).map { |n| n.even? ? "even" : "odd" }
x = nil
p x&.length, x.to_a, (x || "default"), (x ||= 5), x
y = 10
y -= 1 until y < 5
p y
puts "unless" unless false
v = if false then 1 elsif nil then 2 else 3 end
p v
r = (1..10)
p r.include?(5), r.cover?(11), r.to_a.length, r.step(4).to_a, ('a'..'e').to_a, (1...1).to_a
sym = :b
result = case sym
         when :a, :b then "a or b"
         end
p result
n = 0
loop do
  n += 1
  break if n > 4
end
p n
p [1, 2, 3].each_with_index.map { |e, idx| e * idx }
p defined?(foo), defined?(p), defined?(String), defined?(@iv), defined?(n)
a, b = 1, 2
a, b = b, a
p [a, b]
p (1 if false), (true && "yes"), (false || nil), !true, (not false)
z = [1, 2, 3].each_slice(2).map do |pair| pair.sum end
p z
