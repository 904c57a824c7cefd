sealed class Shape
data class Circle(val r: Double) : Shape()
data class Rect(val w: Double, val h: Double) : Shape()
object Empty : Shape() { override fun toString() = "Empty" }
fun area(s: Shape): Double = when (s) {
    is Circle -> Math.PI * s.r * s.r
    is Rect -> if (s.w == s.h) s.w * s.w else s.w * s.h
    Empty -> 0.0
}
fun describe(x: Any?): String = when (x) {
    null -> "null"
    0 -> "zero"
    is Int -> if (x < 0) "negative" else "int $x"
    is String -> "string of ${x.length}"
    is List<*> -> "list of ${x.size}"
    in listOf(2.5) -> "two and a half"
    else -> "other"
}
fun main(args: Array<String>) {
    listOf(Circle(1.0), Rect(2.0, 3.0), Rect(2.0, 2.0), Empty).forEach { println("%.4f %s".format(area(it), it)) }
    listOf(null, 0, -3, 7, "abc", listOf(1, 2), 2.5, 'c').forEach { println(describe(it)) }
    val (a, b) = Pair(1, "two")
    println("$a $b")
    val p = Rect(1.0, 2.0)
    println(p.copy(h = 5.0))
    println(p == Rect(1.0, 2.0))
    val (w, h) = p
    println(w + h)
}
