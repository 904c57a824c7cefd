# A text table with ljust/rjust/center and column widths computed from the data.
rows = [["Name", "Qty", "Price"], ["apple", 3, 0.5], ["watermelon", 1, 3.25], ["fig", 12, 0.2]]
widths = rows.transpose.map { |col| col.map(&:to_s).map(&:length).max }
sep = "+" + widths.map { |w| "-" * (w + 2) }.join("+") + "+"
puts sep
rows.each_with_index do |row, i|
  cells = row.each_with_index.map do |c, j|
    s = c.is_a?(Float) ? format("%.2f", c) : c.to_s
    j.zero? ? s.ljust(widths[j]) : s.rjust(widths[j])
  end
  puts "| " + cells.join(" | ") + " |"
  puts sep if i.zero?
end
puts sep
puts "TOTAL".center(sep.length, "=")
total = rows.drop(1).sum { |_, q, p| q * p }
puts format("%.2f", total).rjust(sep.length)
