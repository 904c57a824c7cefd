class MyError(msg: String) : Exception(msg)
fun risky(n: Int): Int = if (n > 2) throw MyError("too big: $n") else n * 10
fun main(args: Array<String>) {
    for (i in 1..4) {
        try { println(risky(i)) } catch (e: MyError) { println("caught ${e.message}") } finally { println("finally $i") }
    }
    val r = runCatching { 10 / 0 }
    println(r.isFailure.toString() + " " + r.exceptionOrNull()?.javaClass?.name)
    println(runCatching { "12".toInt() }.map { it + 1 }.getOrNull())
    val v = try { listOf(1)[5] } catch (e: IndexOutOfBoundsException) { -1 }
    println(v)
    val s: String? = null
    println(s?.length ?: "elvis")
    try { s!!.length } catch (e: NullPointerException) { println("npe") }
    try { require(false) { "requirement failed here" } } catch (e: IllegalArgumentException) { println(e.message) }
    try { error("boom") } catch (e: IllegalStateException) { println(e.message) }
}
