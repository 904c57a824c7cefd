# ensure ordering, nested rescue, re-raise, exception causes, custom hierarchy, full messages.
def step(log, n)
  log << "start #{n}"
  begin
    begin
      raise ArgumentError, "inner #{n}" if n.odd?
      log << "body #{n}"
    ensure
      log << "inner ensure #{n}"
    end
  rescue ArgumentError => e
    log << "rescued #{e.message}"
    raise RuntimeError, "wrapped" if n == 3
  ensure
    log << "outer ensure #{n}"
  end
  log << "end #{n}"
end
log = []
[1, 2, 3].each do |n|
  step(log, n)
rescue RuntimeError => e
  log << "caught #{e.message} caused by #{e.cause&.message}"
end
puts log
class ValidationError < StandardError
  attr_reader :field
  def initialize(field, msg = "#{field} is invalid")
    @field = field
    super(msg)
  end
end
begin
  raise ValidationError.new(:email)
rescue ValidationError => e
  p e.field, e.message, e.is_a?(StandardError)
end
def checked
  yield
rescue ZeroDivisionError, TypeError => e
  "handled #{e.class}"
else
  "fine"
ensure
  puts "checked ensure"
end
p checked { 1 / 0 }, checked { 1 + nil }, checked { 1 }
x = Integer("12") rescue 0
y = Integer("zz") rescue -1
p x, y
def retry_it
  attempts = 0
  begin
    attempts += 1
    raise "fail" if attempts < 3
    "succeeded after #{attempts}"
  rescue
    retry
  end
end
p retry_it
begin
  raise IOError
rescue => e
  p e.message, e.class.ancestors.take(3)
end
