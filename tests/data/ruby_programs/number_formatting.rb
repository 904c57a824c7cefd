# Formatting numbers: thousands separators, currency, percent, padding, rounding.
def commas(n) = n.to_s.reverse.scan(/\d{1,3}/).join(",").reverse.then { |s| n.negative? ? "-#{s}" : s }
p commas(1234567), commas(-9876543210), commas(12)
prices = { coffee: 3.5, bagel: 2.25, juice: 4.0 }
prices.each { |item, price| puts format("%-8s $%6.2f", item, price) }
total = prices.values.sum
puts format("%-8s $%6.2f", "total", total), format("tax     %5.1f%%", 8.25)
p 1234.5678.round(2), 1234.5678.floor(1), 0.5.round, 1.5.round, -0.5.round, 12.345.round(1)
p 100.0 / 3, (100.0 / 3).round(3), 2.0 / 3 * 3 == 2.0, 0.1 * 3 == 0.3, (0.1 * 3 - 0.3).abs < Float::EPSILON
p 1e-3.to_s, 123456.789e3, 5.0e-8 * 2, 10**-2, 10.0**-2, 1/3r rescue p $!.class
