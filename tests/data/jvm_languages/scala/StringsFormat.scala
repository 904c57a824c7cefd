object StringsFormat {
  def main(args: Array[String]): Unit = {
    val s = "The quick brown fox jumps over the lazy dog"
    println(s.split(" ").map(_.length).mkString("-"))
    println(s.toLowerCase.filter(_.isLetter).groupBy(identity).mapValues(_.length).toList.sorted.take(5))
    println(f"${math.E}%.6f ${255}%x ${"pad"}%6s|")
    println("abc" * 3)
    println(s.reverse.capitalize)
    val sb = new StringBuilder
    for (i <- 1 to 5) sb.append(i).append(',')
    println(sb.result())
    println("a,b,,c".split(",").toList)
    println(s.indexOf("fox") + " " + s.contains("cat"))
    println(raw"no\nescape")
  }
}
