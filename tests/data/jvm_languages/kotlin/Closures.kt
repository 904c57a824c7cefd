fun counter(): () -> Int { var n = 0; return { ++n } }
fun <A, B, C> compose(f: (B) -> C, g: (A) -> B): (A) -> C = { x -> f(g(x)) }
inline fun repeatTwice(block: (Int) -> Unit) { block(1); block(2) }
fun main(args: Array<String>) {
    val c = counter()
    c(); c()
    println(c())
    println(compose<Int, Int, String>({ "v$it" }, { it * 3 })(4))
    val adders = (1..3).map { i -> { x: Int -> x + i } }
    println(adders.map { it(10) })
    repeatTwice { println("block $it") }
    val ext: Int.(Int) -> Int = { this * it }
    println(5.ext(6))
    val ref = String::length
    println(listOf("a", "bbb", "cc").map(ref))
    println(listOf(1, 2, 3).fold(StringBuilder()) { sb, i -> sb.append(i).append(';') })
    val r = run { val a = 6; a * 7 }
    println(r)
    println("text".let { it.toUpperCase() + it.length })
}
