# Integer methods and number theory.
p 10.times.to_a, 3.upto(6).to_a, 6.downto(3).to_a, 1.step(10, 4).to_a
p 255.digits(16), 1234.to_s.chars.map(&:to_i).sum, 10.pow(20, 7), 2.pow(100) % 1000
p 17.even?, 17.odd?, 0.zero?, 5.positive?, -5.negative?, -17.abs, 17.pred, 17.succ
p 100.clamp(1, 50), 7.between?(1, 10), 6.gcd(15), 6.lcm(15), 36.fdiv(8), 37.divmod(5)
p 12.bit_length, 1.size, 255.to_s(2).count("1"), 0b1010 | 0b0101, 0xff & 0x0f, 2 << 3
p (1..5).reduce(:*), (1..100).select { |i| (i % 3).zero? && (i % 5).zero? }
p 3.7.round, 3.2.round, -2.5.round, 2.5.round, 3.14159.floor(3), 1e3.to_i.to_s.size
p Integer === 2**70, (2**70).class, (2**70).even?, (2**70 + 1) % 2**35, -(2**70) / 7
p 1_000_000.to_s.reverse.scan(/\d{1,3}/).join(",").reverse
p 97.chr, "%c" % 98, 65.chr * 3, 3.14.to_r.class, 0.75.rationalize rescue p $!.class
