import scala.util.{Try, Success, Failure}
class MyError(msg: String) extends Exception(msg)
object Exceptions {
  def risky(n: Int): Int = if (n > 2) throw new MyError("too big: " + n) else n * 10
  def main(args: Array[String]): Unit = {
    for (i <- 1 to 4) {
      try println(risky(i))
      catch { case e: MyError => println("caught " + e.getMessage) }
      finally println("finally " + i)
    }
    println(Try(10 / 0))
    println(Try("12".toInt).map(_ + 1))
    Try(Integer.parseInt("x")) match {
      case Success(v) => println(v)
      case Failure(e) => println("failure " + e.getClass.getName)
    }
    val r = try { List(1)(5) } catch { case e: IndexOutOfBoundsException => -1 }
    println(r)
    println(Option(null).getOrElse("default"))
    println(Either.cond(false, 1, "left").fold(l => "L:" + l, r => "R:" + r))
  }
}
