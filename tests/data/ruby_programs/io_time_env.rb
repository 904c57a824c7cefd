# Time, File, Dir, ENV and Process basics (deterministic parts only).
t = Time.at(86_400 * 365 + 3_661).utc
p t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.utc?
puts t.strftime("%Y-%m-%d %H:%M:%S %a %b %j %%"), t.strftime("%-d/%-m/%y %I:%M %p"), t
p (Time.now - Time.now).class, Time.now.year >= 2024, (t + 60).min, t < t + 1
path = File.join(Dir.pwd, "io_time_env.rb")
p File.basename(path), File.extname(path), File.basename(path, ".rb"), File.dirname("/a/b/c.txt")
p File.exist?(path), File.file?(path), File.directory?(Dir.pwd), File.exist?("/no/such/file")
p File.read(path).lines.first.chomp, File.readlines(path).size > 5, File.join("a", "b", "c")
begin
  File.read("/no/such/file")
rescue Errno::ENOENT => e
  p e.class, e.is_a?(SystemCallError)
end
p ENV.key?("PATH"), ENV["VMFORMS_SURELY_UNSET"], ENV.fetch("VMFORMS_SURELY_UNSET", "fallback")
p Process.pid.is_a?(Integer), Process.clock_gettime(Process::CLOCK_MONOTONIC).is_a?(Float), $$ == Process.pid
