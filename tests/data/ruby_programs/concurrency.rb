# Fiber, Thread with Queue and Mutex, Struct, Time, Enumerator (external next).
f = Fiber.new do |x|
  puts "got #{x}"
  y = Fiber.yield x * 2
  puts "then #{y}"
  :done
end
p f.resume(5)
p f.resume(7)
p f.alive?
q = Queue.new
producer = Thread.new { 3.times { |i| q << i }; q << :stop }
consumer = Thread.new do
  items = []
  while (v = q.pop) != :stop
    items << v
  end
  items
end
p consumer.value, producer.join.class
m = Mutex.new
count = 0
ts = 4.times.map { Thread.new { 100.times { m.synchronize { count += 1 } } } }
ts.each(&:join)
p count
P = Struct.new(:x, :y) do
  def dist = Math.sqrt(x * x + y * y)
end
pt = P.new(3, 4)
p pt, pt.dist, pt.to_a, pt == P.new(3, 4), pt.x
K = Struct.new(:a, :b, keyword_init: true)
p K.new(a: 1, b: 2)
t = Time.at(0).utc
p t.year, t.strftime("%Y-%m-%d %H:%M:%S"), t
e = [1, 2, 3].each
p e.next, e.next, e.next
begin
  e.next
rescue StopIteration
  puts "stop"
end
fib = Enumerator.new do |y|
  a, b = 0, 1
  loop { y << a; a, b = b, a + b }
end
p fib.take(10), fib.next, fib.next
