val fibs = sequence {
    var a = 0L; var b = 1L
    while (true) { yield(a); val t = a + b; a = b; b = t }
}
fun primes() = sequence {
    var n = 2
    while (true) { if ((2 until n).none { n % it == 0 }) yield(n); n++ }
}
fun main(args: Array<String>) {
    println(fibs.take(20).toList())
    println(primes().take(12).toList())
    var evaluated = 0
    val s = generateSequence(1) { it + 1 }.map { evaluated++; it * it }.filter { it % 3 == 1 }
    println(s.take(4).toList().toString() + " " + evaluated)
    val it = iterator { yield("a"); yieldAll(listOf("b", "c")); yield("d") }
    while (it.hasNext()) print(it.next())
    println()
    val lazyValue: String by lazy { println("computing"); "done" }
    println("before")
    println(lazyValue + lazyValue)
}
