fun main(args: Array<String>) {
    val xs = listOf(5, 3, 8, 1, 9, 2)
    println(xs.sorted().joinToString(","))
    println(xs.map { it * 2 }.filter { it > 5 }.sum())
    val m = mutableMapOf("b" to 2, "a" to 1)
    m["c"] = 3
    println(m.toSortedMap())
    println(xs.groupBy { it % 3 }.toSortedMap())
    println(xs.partition { it > 4 })
    println(xs.windowed(3).map { it.sum() })
    println(xs.chunked(4))
    println((1..10).step(3).toList())
    println(xs.associateWith { it * it }.entries.take(3))
    val arr = intArrayOf(4, 2, 7)
    arr.sort()
    println(arr.contentToString())
    println(xs.zip(listOf("a", "b", "c")))
}
