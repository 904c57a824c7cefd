# A custom error class inheriting from Exception (not StandardError) escapes `rescue => e`.
class Fatal < Exception; end
begin
  raise Fatal, "not caught by a bare rescue"
rescue => e
  puts "never here #{e}"
end
