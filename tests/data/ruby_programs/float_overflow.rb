# Integers beyond the Float range meeting Floats: Infinity and NaN as ruby, never a host error.
big = 10**400
p big * 1.0, 1.5 + big, big - 0.5, big / 2.0, 2.0 / big, big < 1.5, 1.5 < big, big % 2.5 rescue p $!
p (-big) * 1.0, big.to_f, 3 * 1.5, 1.5 * 3, 2 - 0.5, 7 / 2.0, 7.0 / 2, 1e308 * 10, big.fdiv(3) rescue p $!
x = 3; y = 2.5
p x * y, y * x, x + y, x - y, x / y, y / x, x * 2.0, 2.0 * x, big * y
p 1e300 ** 2, (10**400) ** 0.5, 2.0 ** 5000, (-1e300) ** 3, 10 ** 400.0, 2 ** 0.5, (-8.0) ** (1.0/3), 0.0 ** -1, 2.0 ** (10**400), 0.5 ** (10**400)
p (10**400).to_f, (10**400).fdiv(10), -(10**400) * 0.5, [1.0, 10**400].sum, [10**400, 0.5].max
