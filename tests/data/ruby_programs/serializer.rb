# A JSON-like serializer written in Ruby: recursion over types, escaping.
def to_json_like(v, indent = 0)
  pad = "  " * indent
  case v
  when Hash
    return "{}" if v.empty?
    inner = v.map { |k, x| "#{pad}  #{k.to_s.inspect}: #{to_json_like(x, indent + 1)}" }
    "{\n#{inner.join(",\n")}\n#{pad}}"
  when Array
    "[" + v.map { |x| to_json_like(x, indent) }.join(", ") + "]"
  when String then v.inspect
  when Symbol then v.to_s.inspect
  when nil then "null"
  when true, false, Numeric then v.to_s
  else raise TypeError, "cannot serialize #{v.class}"
  end
end
doc = { name: "widget", tags: %w[a b], size: { w: 2.5, h: 10 }, ok: true, none: nil, quote: "say \"hi\"\n" }
puts to_json_like(doc)
begin
  to_json_like({ bad: Object })
rescue TypeError => e
  puts "error: #{e.message}"
end
