# Custom iterators and Enumerable in a class of our own.
class NumberBag
  include Enumerable
  def initialize(*nums) = @nums = nums
  def each
    return to_enum(:each) unless block_given?
    @nums.each { |n| yield n }
    self
  end
end
bag = NumberBag.new(5, 1, 4, 2, 3)
p bag.sort, bag.map { |x| x * 2 }, bag.select(&:odd?), bag.min, bag.max, bag.sum, bag.include?(4)
p bag.sort_by { |x| -x }, bag.first, bag.first(2), bag.each_slice(2).to_a, bag.inject(:*)
p bag.to_a, bag.count, bag.each_with_index.to_a, bag.min_by { |x| (x - 3).abs }, bag.tally.size
p bag.reduce { |a, b| a > b ? a : b }, bag.partition(&:even?), bag.zip([:a, :b]), bag.lazy.map { |x| x + 1 }.first(2) rescue p $!.class
e = bag.each
p e.next, e.next
def countdown(n)
  return enum_for(:countdown, n) unless block_given?
  while n > 0
    yield n
    n -= 1
  end
end
p countdown(3).to_a, countdown(5).select(&:even?)
gen = Enumerator.new { |y| 3.times { |i| y.yield i, i * i } }
p gen.to_a
p [4, 5].each_with_index.map { |x, i| x * i }, [1, 2, 3].map.with_index(1) { |x, i| x * i }
p %w[a b c].each_with_index.to_h, (1..3).each_with_object([]) { |i, a| a.unshift(i) }
