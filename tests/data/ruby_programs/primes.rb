# Sieve of Eratosthenes and prime factorization.
def sieve(n)
  is = Array.new(n + 1, true)
  is[0] = is[1] = false
  (2..Integer.sqrt(n)).each do |i|
    next unless is[i]
    (i * i).step(n, i) { |j| is[j] = false }
  end
  is.each_index.select { |i| is[i] }
end
primes = sieve(100)
p primes, primes.size, primes.sum
def factor(n)
  out = []
  d = 2
  while d * d <= n
    while (n % d).zero?
      out << d
      n /= d
    end
    d += 1
  end
  out << n if n > 1
  out
end
[360, 97, 1001, 2**10 * 3**4].each { |n| puts "#{n} = #{factor(n).join(' * ')}" }
p factor(600851475143).max
