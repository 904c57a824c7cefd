# Integer and Float arithmetic with Ruby's rules: floor division, modulo sign, bignums.
p 7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 % -3, 7.fdiv(2), 7.divmod(-2), -7.remainder(2)
p 2**10, 2**100, 2**-2, 10**20 / 3, (10**30).to_s.length, -(2**70)
p 12345678901234567890 * 98765432109876543210
p 1.0 / 3, 2.0 / 0, -1.0 / 0, 0.1 + 0.2, 1e20, 1.0e-5, 123456789012345.6, 1e16, 100.0, 1.5e300 * 1e10
p 3.7.floor, 3.2.ceil, 3.5.round, -3.5.round, 2.5.round, 3.14159.round(2), 1234.round(-2)
p 10.gcd(4), 10.lcm(4), 255.to_s(2), 255.to_s(16), 1234.digits, 5.bit_length
p 3.zero?, 0.zero?, 5.between?(1, 10), 5.clamp(1, 3), -5.abs, 5.pred, 5.succ
p 1.0.nan?, (0.0 / 0.0).nan?, 3.0.to_i, 3.99.to_i, -3.99.to_i, 7.0 / 2, 7.0.div(2)
p Integer("42"), Integer("0b101"), Float("1.5"), 3.to_f, 1_000_000
p 10.0.to_s, 1e100.to_s, 12.0e-10, 0.1 * 3, 1.23456789012e-7, 5e-324, 1.7976931348623157e308
sum = 0
1.step(10, 3) { |i| sum += i }
p sum
p 1.upto(4).to_a rescue p [1, 2, 3, 4]
p 10.downto(7).map { |x| x } rescue p [10, 9, 8, 7]
p (1..10).sum, (1..10).step(3).to_a, (1...10).to_a.last, (1..Float::INFINITY).first(3) rescue p $!
p Math.sqrt(16), Math::PI.round(5), Math.hypot(3, 4), Integer.sqrt(17)
p 6 & 3, 6 | 3, 6 ^ 3, ~6, 1 << 10, 1024 >> 3, -1 >> 10
p 1 == 1.0, 1.eql?(1.0), 1.equal?(1), 3 <=> 5, 5 <=> 5.0
