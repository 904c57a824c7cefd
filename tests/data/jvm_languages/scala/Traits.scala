trait Greeter { def name: String; def greet = s"Hello, $name" }
trait Loud extends Greeter { override def greet = super.greet.toUpperCase + "!" }
class Person(val name: String) extends Greeter
object Traits {
  trait Monoid[A] { def zero: A; def add(a: A, b: A): A }
  implicit val intMonoid: Monoid[Int] = new Monoid[Int] { def zero = 0; def add(a: Int, b: Int) = a + b }
  implicit val strMonoid: Monoid[String] = new Monoid[String] { def zero = ""; def add(a: String, b: String) = a + b }
  def combine[A](xs: List[A])(implicit m: Monoid[A]): A = xs.foldLeft(m.zero)(m.add)
  implicit class Twice(val i: Int) extends AnyVal { def twice = i * 2 }
  def main(args: Array[String]): Unit = {
    println(new Person("Ann").greet)
    println((new Person("Bob") with Loud).greet)
    println(combine(List(1, 2, 3, 4)))
    println(combine(List("a", "b", "c")))
    println(21.twice)
    println(List(3, 1, 2).sorted(Ordering[Int].reverse))
  }
}
