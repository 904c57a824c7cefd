object Closures {
  def counter(): () => Int = { var n = 0; () => { n += 1; n } }
  def compose[A, B, C](f: B => C, g: A => B): A => C = x => f(g(x))
  def main(args: Array[String]): Unit = {
    val c = counter()
    c(); c()
    println(c())
    val inc = (x: Int) => x + 1
    val dbl = (x: Int) => x * 2
    println(compose(inc, dbl)(5))
    println((inc andThen dbl)(5))
    val adders = (1 to 3).map(i => (x: Int) => x + i)
    println(adders.map(_(10)))
    def curried(a: Int)(b: Int) = a * b
    val times3 = curried(3) _
    println(times3(7))
    val pf: PartialFunction[Any, String] = { case i: Int => "int " + i; case s: String => "str " + s }
    println(List(1, "x", 2.0).collect(pf))
  }
}
