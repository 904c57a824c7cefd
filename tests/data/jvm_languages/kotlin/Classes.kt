interface Greeter { val name: String; fun greet() = "Hello, $name" }
open class Person(override val name: String) : Greeter
class Loud(name: String) : Person(name) { override fun greet() = super.greet().toUpperCase() + "!" }
abstract class Animal { abstract fun sound(): String; override fun toString() = "${javaClass.simpleName} says ${sound()}" }
class Dog : Animal() { override fun sound() = "woof" }
class Cat : Animal() { override fun sound() = "meow" }
object Registry { private val items = mutableListOf<String>(); fun add(s: String) = items.add(s); val size get() = items.size }
class Temp { companion object { fun fromF(f: Double) = (f - 32) * 5 / 9 } }
enum class Color(val rgb: Int) { RED(0xFF0000), GREEN(0x00FF00), BLUE(0x0000FF) }
fun main(args: Array<String>) {
    println(Person("Ann").greet())
    println(Loud("Bob").greet())
    println(listOf(Dog(), Cat()))
    Registry.add("x"); Registry.add("y")
    println(Registry.size)
    println(Temp.fromF(212.0))
    println(Color.values().map { "${it.name}:${Integer.toHexString(it.rgb)}:${it.ordinal}" })
    println(Color.valueOf("GREEN"))
}
