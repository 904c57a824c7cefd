fun main(args: Array<String>) {
    val s = "The quick brown fox jumps over the lazy dog"
    println(s.split(" ").map { it.length }.joinToString("-"))
    println(s.toLowerCase().filter { it.isLetter() }.groupingBy { it }.eachCount().toSortedMap().entries.take(5))
    println("%.6f %x %6s|".format(Math.E, 255, "pad"))
    println("abc".repeat(3))
    println(s.reversed().capitalize())
    println(buildString { for (i in 1..5) append(i).append(',') })
    println("a,b,,c".split(","))
    println("${s.indexOf("fox")} ${s.contains("cat")}")
    println("""raw\n""".trimIndent())
    println(s.substringAfter("brown ").substringBefore(" over"))
    println(Regex("(\\w+)@(\\w+)\\.com").find("mail joe@example.com now")!!.groupValues)
}
