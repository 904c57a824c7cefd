# Nested data: deep dup, dig, flat_map, recursive traversal.
data = {
  name: "root",
  children: [
    { name: "a", children: [{ name: "a1", children: [] }, { name: "a2", children: [] }] },
    { name: "b", children: [] }
  ]
}
def walk(node, depth = 0, &blk)
  blk.call(node[:name], depth)
  node[:children].each { |c| walk(c, depth + 1, &blk) }
end
walk(data) { |name, d| puts "#{'  ' * d}#{name}" }
def count_nodes(n) = 1 + n[:children].sum { |c| count_nodes(c) }
p count_nodes(data), data.dig(:children, 0, :children, 1, :name)
names = data[:children].flat_map { |c| [c[:name]] + c[:children].map { |g| g[:name] } }
p names
copy = Marshal.load(Marshal.dump(data)) rescue copy = { name: data[:name] }
p copy[:name]
grid = Array.new(3) { |i| Array.new(3) { |j| i * 3 + j } }
p grid, grid.flatten.select(&:even?), grid.map(&:dup).each { |r| r.map! { |x| -x } }, grid[1]
