# Worker threads pulling jobs from a Queue; results gathered in order of job id.
jobs = Queue.new
results = Queue.new
(1..6).each { |i| jobs << i }
3.times { jobs << :done }
workers = 3.times.map do |w|
  Thread.new do
    while (job = jobs.pop) != :done
      results << [job, job * job, w]
    end
  end
end
workers.each(&:join)
out = []
out << results.pop until results.empty?
p out.sort.map { |j, sq, _| [j, sq] }, out.size
t = Thread.new { Thread.current[:name] = "worker"; 6 * 7 }
p t.value, t.alive?, Thread.current.alive?, Thread.main == Thread.current
m = Mutex.new
shared = []
ths = (1..3).map { |i| Thread.new(i) { |n| m.synchronize { shared << n * 10 } } }
ths.each(&:join)
p shared.sort, m.locked?
