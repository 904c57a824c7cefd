# Nested arrays as matrices: multiply, transpose, identity, determinant.
def mat_mul(a, b) = a.map { |row| b.transpose.map { |col| row.zip(col).sum { |x, y| x * y } } }
def identity(n) = Array.new(n) { |i| Array.new(n) { |j| i == j ? 1 : 0 } }
def det(m)
  return m[0][0] if m.size == 1
  m[0].each_with_index.sum do |v, j|
    minor = m[1..].map { |row| row.reject.with_index { |_, k| k == j } }
    (j.even? ? 1 : -1) * v * det(minor)
  end
end
a = [[1, 2], [3, 4]]
b = [[5, 6], [7, 8]]
p mat_mul(a, b), a.transpose, identity(3), det([[2, 0, 1], [1, 3, 2], [1, 1, 1]])
p mat_mul(a, identity(2)) == a, a.flatten.sum, a.map(&:sum), a.transpose.map(&:max)
m = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
puts m.map { |r| r.map { |x| x.to_s.rjust(3) }.join }.join("\n")
p m.each_with_index.map { |r, i| r[i] }.sum, m.flatten.each_slice(3).map(&:reverse)
