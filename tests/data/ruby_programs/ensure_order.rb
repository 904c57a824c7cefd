# ensure clauses run on normal exit, on exceptions and on break/next/return out of blocks.
def trace(label, log)
  yield
ensure
  log << "ensure #{label}"
end
log = []
[1, 2, 3].each do |i|
  trace(i, log) do
    next if i == 1
    break if i == 3
    log << "body #{i}"
  end
end
def early(log)
  trace(:ret, log) { return :returned }
  :not_reached
end
p early(log)
begin
  trace(:err, log) { raise "boom" }
rescue => e
  log << "rescued #{e.message}"
end
x = begin
  10
ensure
  log << "ensure value ignored"
  20
end
p x
puts log
