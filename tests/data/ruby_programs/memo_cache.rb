# Memoization with ||=, Hash#fetch with block, and instance-level caches.
class Memo
  def initialize = @cache = {}
  def slow_square(n) = @cache.fetch(n) { @cache[n] = n * n }
  def stats = @cache.size
end
m = Memo.new
p (1..5).map { |i| m.slow_square(i) }, m.slow_square(3), m.stats
def config = @config ||= begin
  puts "computing config once"
  { level: 3 }
end
p config, config[:level]
counts = Hash.new { |h, k| h[k] = k.to_s.length }
p counts[:abc], counts[:hello], counts.size, counts.fetch(:zz, :default), counts.fetch(:abc)
x = nil
x ||= 5
x ||= 6
y = 1
y &&= y + 1
p x, y
