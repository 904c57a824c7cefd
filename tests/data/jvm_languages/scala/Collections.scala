object Collections {
  def main(args: Array[String]): Unit = {
    val xs = List(5, 3, 8, 1, 9, 2)
    println(xs.sorted.mkString(","))
    println(xs.map(_ * 2).filter(_ > 5).sum)
    val m = Map("a" -> 1, "b" -> 2, "c" -> 3)
    println(m.toList.sortBy(_._1).map { case (k, v) => s"$k=$v" }.mkString(" "))
    val v = Vector.tabulate(10)(i => i * i)
    println(v.drop(3).take(4))
    println(xs.groupBy(_ % 3).toList.sortBy(_._1))
    println((1 to 5).foldLeft(List.empty[Int])((acc, x) => x :: acc))
    val s = scala.collection.mutable.ArrayBuffer(1, 2, 3)
    s += 4; s.insert(0, 0)
    println(s)
    println(xs.zip(xs.tail).map { case (a, b) => a - b })
    println(Set(3, 1, 2).toSeq.sorted.reverse)
  }
}
