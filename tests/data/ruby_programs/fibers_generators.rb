# Fibers as generators and a ping-pong between two fibers.
gen = Fiber.new do
  3.times { |i| Fiber.yield i * i }
  :end
end
p 5.times.map { gen.alive? ? gen.resume : nil }
log = []
ping = nil
pong = Fiber.new do |msg|
  3.times do |i|
    log << "pong got #{msg}"
    msg = Fiber.yield "pong #{i}"
  end
  :pong_done
end
3.times { |i| log << "ping got #{pong.resume("ping #{i}")}" }
puts log
p pong.resume("last"), pong.alive?
begin
  pong.resume
rescue FiberError => e
  puts "FiberError: #{e.message}"
end
