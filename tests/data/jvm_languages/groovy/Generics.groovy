class Node<T extends Comparable<T>> {
    Node<T> l, r; T v
    Node(T v) { this.v = v }
    void insert(T x) { if (x < v) { if (l) l.insert(x) else l = new Node<T>(x) } else { if (r) r.insert(x) else r = new Node<T>(x) } }
    List<T> toList() { (l ? l.toList() : []) + [v] + (r ? r.toList() : []) }
}
def t = new Node<Integer>(50)
[30, 70, 20, 40, 60, 80, 35].each { t.insert(it) }
println t.toList()
def ts = new Node<String>('pear')
['apple', 'fig'].each { ts.insert(it) }
println ts.toList()
class Box<T> { T value; def map(Closure f) { new Box(value: f(value)) }; String toString() { "Box($value)" } }
println new Box(value: 3).map { it + 0.5 }.map { it.toString() * 2 }
List<Integer> typed = [1, 2, 3]
println typed.sum()
println([1, null, 3].findAll { it != null })
def expando = new Expando(name: 'dyn')
expando.shout = { -> name.toUpperCase() }
println expando.shout()
