# Blocks, yield, procs and lambdas with their arity rules.
def twice
  yield 1
  yield 2
end
twice { |x| puts x * 10 }
def with_block(&blk) = blk
b = with_block { |a, b| "#{a}-#{b}" }
puts b.call(1, 2), b.call([3, 4]), b.call(5)
l = lambda { |a, b = 2| a + b }
puts l.call(1), l.(1, 5), l[2]
puts proc { |x, y| }.arity, lambda { |x, y| }.arity, proc { |*x| }.arity, lambda { |x, y = 1| }.arity
sq = ->(x) { x * x }
puts [1, 2, 3].map(&sq).inspect
puts %w[a b c].map(&:upcase).inspect
counter = 0
inc = -> { counter += 1 }
3.times { inc.call }
puts counter
def find_first(list)
  list.each { |x| return x if x > 2 }
  nil
end
p find_first([1, 2, 3, 4])
r = [1, 2, 3].each do |x|
  break x * 100 if x == 2
end
p r
p [1, 2, 3, 4].map { |x| next 0 if x.odd?; x }
begin
  l.call
rescue ArgumentError => e
  puts e.message
end
