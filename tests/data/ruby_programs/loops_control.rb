# break/next/redo-free loops with values, nested loops with catch, loop returning StopIteration result.
r = [1, 2, 3, 4].each do |x|
  next if x.odd?
  break x * 10 if x == 4
end
p r
out = []
(1..3).each do |i|
  (1..3).each do |j|
    next if j == 2
    out << [i, j]
  end
end
p out
found = catch(:found) do
  (1..5).each { |i| (1..5).each { |j| throw :found, [i, j] if i * j == 12 } }
  nil
end
p found
e = [1, 2].each
v = loop do
  e.next
end
p v
i = 0
res = while i < 10
  i += 1
  break i * 100 if i == 5
end
p res, (while false; end)
p [1, 2, 3].each_with_index.find { |x, idx| idx == 1 }, [3, 4].map.with_index { |x, idx| x * idx }
n = 0
begin
  n += 1
end while n < 3
p n
