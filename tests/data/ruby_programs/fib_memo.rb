# Recursion, memoization in a hash with a default proc, bignums.
fib = Hash.new { |h, n| h[n] = n < 2 ? n : h[n - 1] + h[n - 2] }
p fib[90], fib[150]
def fact(n) = n <= 1 ? 1 : n * fact(n - 1)
p fact(30), fact(30).to_s.length, fact(25).digits.sum
def ackermann(m, n)
  if m.zero? then n + 1
  elsif n.zero? then ackermann(m - 1, 1)
  else ackermann(m - 1, ackermann(m, n - 1))
  end
end
p ackermann(2, 3)
p (1..20).reduce(:lcm), 2**64 - 1, (2**64).to_s(16), -(2**65) / 3, (2**65) % -7
