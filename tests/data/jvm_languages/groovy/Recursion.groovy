import groovy.transform.TailRecursive
@TailRecursive long gcd(long a, long b) { b == 0 ? a : gcd(b, a % b) }
int hanoi(int n) { n == 0 ? 0 : 2 * hanoi(n - 1) + 1 }
List perms(List xs) { xs ? xs.collectMany { x -> perms(xs - [x]).collect { [x] + it } } : [[]] }
int queens(int n, int row = 0, List cols = []) {
    if (row == n) return 1
    (0..<n).findAll { c -> cols.withIndex().every { cc, r -> cc != c && Math.abs(cc - c) != row - r } }.sum(0) { queens(n, row + 1, cols + [it]) }
}
println gcd(1071L * 1000003, 462L * 1000003)
println hanoi(12)
println perms([1, 2, 3]).collect { it.join() }.join(' ')
println queens(6)
println 2G ** 100
println((1..20).inject(1G) { a, b -> a * b })
