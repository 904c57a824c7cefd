object LazySeqs {
  lazy val fibs: Stream[BigInt] = BigInt(0) #:: BigInt(1) #:: fibs.zip(fibs.tail).map { case (a, b) => a + b }
  def primes(s: Stream[Int]): Stream[Int] = s.head #:: primes(s.tail.filter(_ % s.head != 0))
  def main(args: Array[String]): Unit = {
    println(fibs.take(15).toList)
    println(fibs(90))
    println(primes(Stream.from(2)).take(12).toList)
    var evaluated = 0
    val it = Iterator.from(1).map { x => evaluated += 1; x * x }.filter(_ % 3 == 1)
    println(it.take(4).toList + " " + evaluated)
    lazy val expensive = { println("computing"); 42 }
    println("before")
    println(expensive + expensive)
    val view = (1 to 1000000).view.map(_ * 3).filter(_ % 7 == 0)
    println(view.take(3).toList)
  }
}
