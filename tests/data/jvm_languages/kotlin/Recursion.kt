import java.math.BigInteger
tailrec fun gcd(a: Long, b: Long): Long = if (b == 0L) a else gcd(b, a % b)
fun hanoi(n: Int): Int = if (n == 0) 0 else 2 * hanoi(n - 1) + 1
fun <T> perms(xs: List<T>): List<List<T>> = if (xs.isEmpty()) listOf(emptyList()) else xs.flatMap { x -> perms(xs - x).map { listOf(x) + it } }
fun queens(n: Int, row: Int = 0, cols: List<Int> = emptyList()): Int =
    if (row == n) 1 else (0 until n).filter { c -> cols.withIndex().all { (r, cc) -> cc != c && Math.abs(cc - c) != row - r } }.sumBy { queens(n, row + 1, cols + it) }
fun main(args: Array<String>) {
    println(gcd(1071L * 1000003, 462L * 1000003))
    println(hanoi(12))
    println(perms(listOf(1, 2, 3)).joinToString(" ") { it.joinToString("") })
    println(queens(6))
    println(BigInteger.TWO.pow(100))
    println((1..20).fold(BigInteger.ONE) { acc, i -> acc * BigInteger.valueOf(i.toLong()) })
}
