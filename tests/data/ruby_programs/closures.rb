# Closures capture variables; counters, adders, currying, method references.
def make_counter
  count = 0
  increment = -> { count += 1 }
  get = -> { count }
  [increment, get]
end
inc, get = make_counter
3.times { inc.() }
p get.call
adders = (1..3).map { |n| ->(x) { x + n } }
p adders.map { |f| f.(10) }
add = ->(a, b, c) { a + b + c }
p add.curry[1][2][3], add.curry.(1).(2, 3)
compose = method(:Integer) >> ->(x) { x * 2 }
p compose.call("21")
square = proc { |x| x * x }
p [1, 2, 3].map(&square), square.lambda?, square.arity
x = 10
change = lambda { x = 20 }
change.call
p x
def run_twice = [yield, yield]
n = 0
p run_twice { n += 1 }
blk = proc { |a, (b, c), *rest| [a, b, c, rest] }
p blk.call(1, [2, 3], 4, 5), blk.call([1, [2, 3]])
