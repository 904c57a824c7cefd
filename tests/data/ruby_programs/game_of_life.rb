# Conway's Game of Life on a small torus.
W, H = 8, 6
grid = Array.new(H) { Array.new(W, false) }
[[1, 2], [2, 3], [3, 1], [3, 2], [3, 3]].each { |r, c| grid[r][c] = true }
def step(g)
  g.each_with_index.map do |row, r|
    row.each_index.map do |c|
      n = [-1, 0, 1].product([-1, 0, 1]).count { |dr, dc| !(dr.zero? && dc.zero?) && g[(r + dr) % H][(c + dc) % W] }
      g[r][c] ? [2, 3].include?(n) : n == 3
    end
  end
end
4.times do |gen|
  puts "gen #{gen}:"
  puts grid.map { |row| row.map { |x| x ? "#" : "." }.join }
  grid = step(grid)
end
p grid.flatten.count(true)
