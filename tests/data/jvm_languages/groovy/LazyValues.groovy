def fibs = { ->
    def a = 0G, b = 1G
    return [hasNext: { true }, next: { def r = a; (a, b) = [b, a + b]; r }] as Iterator
}
def it = fibs()
println((1..15).collect { it.next() })
def primes = []
def n = 2
while (primes.size() < 12) { if (!primes.any { n % it == 0 }) primes << n; n++ }
println primes
def evaluated = 0
def seq = (1..1000).iterator().collect { evaluated++; it * it }.findAll { it % 3 == 1 }.take(4)
println "$seq $evaluated"
class Holder { @Lazy String value = { println 'computing'; 'done' }() }
def h = new Holder()
println 'before'
println h.value + h.value
