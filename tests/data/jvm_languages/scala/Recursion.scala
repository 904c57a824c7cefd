import scala.annotation.tailrec
object Recursion {
  @tailrec def gcd(a: Long, b: Long): Long = if (b == 0) a else gcd(b, a % b)
  def hanoi(n: Int, from: Char, to: Char, via: Char): Int = if (n == 0) 0 else hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from)
  def perms[A](xs: List[A]): List[List[A]] = xs match {
    case Nil => List(Nil)
    case _ => for { x <- xs; rest <- perms(xs.filterNot(_ == x)) } yield x :: rest
  }
  def queens(n: Int): Int = {
    def safe(c: Int, cols: List[Int]): Boolean =
      cols.zipWithIndex.forall { case (cc, d) => cc != c && math.abs(cc - c) != d + 1 }
    def place(row: Int, cols: List[Int]): Int =
      if (row == n) 1 else (0 until n).filter(safe(_, cols)).map(c => place(row + 1, c :: cols)).sum
    place(0, Nil)
  }
  def main(args: Array[String]): Unit = {
    println(gcd(1071L * 1000003, 462L * 1000003))
    println(hanoi(12, 'A', 'C', 'B'))
    println(perms(List(1, 2, 3)).map(_.mkString).mkString(" "))
    println(queens(6))
    println(BigInt(2).pow(100))
    println((1 to 20).map(BigInt(_)).product)
  }
}
