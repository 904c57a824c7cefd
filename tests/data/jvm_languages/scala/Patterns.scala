sealed trait Shape
case class Circle(r: Double) extends Shape
case class Rect(w: Double, h: Double) extends Shape
case object Empty extends Shape
object Patterns {
  def area(s: Shape): Double = s match {
    case Circle(r) => math.Pi * r * r
    case Rect(w, h) if w == h => w * w
    case Rect(w, h) => w * h
    case Empty => 0.0
  }
  def describe(x: Any): String = x match {
    case 0 => "zero"
    case i: Int if i < 0 => "negative"
    case i: Int => s"int $i"
    case (a, b) => s"pair $a $b"
    case h :: t => s"list head $h rest ${t.size}"
    case Some(v) => s"some $v"
    case _ => "other"
  }
  def main(args: Array[String]): Unit = {
    List(Circle(1), Rect(2, 3), Rect(2, 2), Empty).foreach(s => println(f"${area(s)}%.4f $s"))
    List(0, -3, 7, (1, "b"), List(1, 2, 3), Some("x"), 2.5).foreach(x => println(describe(x)))
    val Email = """(\w+)@(\w+)\.com""".r
    "joe@example.com" match { case Email(u, d) => println(s"$u at $d") }
    println(Rect(1, 2).copy(h = 5))
    println(Circle(2) == Circle(2))
  }
}
