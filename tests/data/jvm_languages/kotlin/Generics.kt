sealed class Tree<out T : Comparable<@UnsafeVariance T>>
object Leaf : Tree<Nothing>()
data class Node<T : Comparable<T>>(val l: Tree<T>, val v: T, val r: Tree<T>) : Tree<T>()
fun <T : Comparable<T>> insert(t: Tree<T>, x: T): Tree<T> = when (t) {
    is Leaf -> Node(Leaf, x, Leaf)
    is Node -> if (x < t.v) Node(insert(t.l, x), t.v, t.r) else Node(t.l, t.v, insert(t.r, x))
}
fun <T : Comparable<T>> toList(t: Tree<T>): List<T> = when (t) { is Leaf -> emptyList(); is Node -> toList(t.l) + t.v + toList(t.r) }
class Box<T>(val value: T) { fun <U> map(f: (T) -> U) = Box(f(value)); override fun toString() = "Box($value)" }
inline fun <reified T> filterType(xs: List<Any>) = xs.filterIsInstance<T>()
fun main(args: Array<String>) {
    val t = listOf(50, 30, 70, 20, 40, 60, 80, 35).fold(Leaf as Tree<Int>) { acc, x -> insert(acc, x) }
    println(toList(t))
    println(toList(listOf("pear", "apple", "fig").fold(Leaf as Tree<String>) { acc, x -> insert(acc, x) }))
    println(Box(3).map { it + 0.5 }.map { it.toString().repeat(2) })
    println(filterType<String>(listOf(1, "a", 2.0, "b")))
    println(listOf(1, null, 3).filterNotNull())
}
