object Generics {
  sealed trait Tree[+A]
  case class Node[A](l: Tree[A], v: A, r: Tree[A]) extends Tree[A]
  case object Leaf extends Tree[Nothing]
  def insert[A](t: Tree[A], x: A)(implicit o: Ordering[A]): Tree[A] = t match {
    case Leaf => Node(Leaf, x, Leaf)
    case Node(l, v, r) => if (o.lt(x, v)) Node(insert(l, x), v, r) else Node(l, v, insert(r, x))
  }
  def toList[A](t: Tree[A]): List[A] = t match { case Leaf => Nil; case Node(l, v, r) => toList(l) ::: v :: toList(r) }
  def depth(t: Tree[_]): Int = t match { case Leaf => 0; case Node(l, _, r) => 1 + math.max(depth(l), depth(r)) }
  class Box[T](val value: T) { def map[U](f: T => U) = new Box(f(value)); override def toString = s"Box($value)" }
  def main(args: Array[String]): Unit = {
    val t = List(50, 30, 70, 20, 40, 60, 80, 35).foldLeft(Leaf: Tree[Int])(insert(_, _))
    println(toList(t))
    println(depth(t))
    val ts = List("pear", "apple", "fig").foldLeft(Leaf: Tree[String])(insert(_, _))
    println(toList(ts))
    println(new Box(3).map(_ + 0.5).map(_.toString * 2))
    println(List(Some(1), None, Some(3)).flatten)
  }
}
