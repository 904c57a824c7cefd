# Pattern matching with case/in (arrays, hashes, guards, find pattern-free forms).
def describe(x)
  case x
  in Integer => n if n > 100 then "big #{n}"
  in Integer | Float => n then "number #{n}"
  in String => s then "string #{s}"
  in [] then "empty array"
  in [first, *rest] then "array starting #{first} (+#{rest.size})"
  in { name: String => name, age: Integer => age } then "#{name} is #{age}"
  in { type: :point, x:, y: } then "point #{x},#{y}"
  in nil then "nil"
  else "other"
  end
end
[150, 3, 2.5, "hi", [], [1, 2, 3], { name: "Al", age: 30 }, { type: :point, x: 1, y: 2 }, nil, :sym].each do |v|
  puts describe(v)
end
config = { db: { user: "admin", port: 5432 } }
case config
in { db: { user:, port: } }
  puts "user=#{user} port=#{port}"
end
result = case [1, [2, 3]]
         in [a, [b, c]] then a + b + c
         end
p result
data = { status: "ok", items: [1, 2] }
if data in { status: "ok" }
  puts "ok status"
end
