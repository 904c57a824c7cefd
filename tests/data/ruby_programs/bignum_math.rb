# Bignum arithmetic: factorials, powers, Fibonacci, digit sums, division and modulo signs.
f100 = (1..100).inject(:*)
p f100.to_s.length, f100.digits.sum, f100 % 1_000_007, f100.to_s[0, 20]
a = 3**200
b = 7**150
p a > b, (a - b).to_s.size, (a * b).bit_length, a / b, a % b == a - (a / b) * b
p -a / 12345678901, -a % 12345678901, a.divmod(-98765432123).map(&:to_s).map(&:size)
p (2**512 - 1).to_s(16).size, (10**50 + 1).to_s(36), Integer.sqrt(10**40), (10**40).fdiv(3).class
fibs = [0, 1]
fibs << fibs[-1] + fibs[-2] while fibs.size < 200
p fibs.last.to_s.size, fibs.last % 1000, fibs.take(10)
p 2**64 == 18446744073709551616, (2**64).hash == (2**64).hash, [2**70, 2**70].uniq.size, { 2**70 => 1 }[2**70]
