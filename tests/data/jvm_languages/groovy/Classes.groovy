interface Greeter { String greet() }
class Person implements Greeter {
    String name
    int age
    String greet() { "Hello, $name" }
    String toString() { "Person($name, $age)" }
}
class Loud extends Person { String greet() { super.greet().toUpperCase() + '!' } }
abstract class Animal { abstract String sound(); String toString() { "${getClass().simpleName} says ${sound()}" } }
class Dog extends Animal { String sound() { 'woof' } }
enum Color { RED, GREEN, BLUE; Color next() { values()[(ordinal() + 1) % values().size()] } }
@groovy.transform.Canonical class Point { int x, y }
def p = new Person(name: 'Ann', age: 30)
println p.greet()
println new Loud(name: 'Bob').greet()
println p
println new Dog()
println Color.RED.next()
println Color.values().collect { it.name() }
println new Point(1, 2) == new Point(1, 2)
println new Point(3, 4)
p.age++
println p.age
println p.properties.findAll { it.key in ['name', 'age'] }.sort()
