def counter() { def n = 0; return { -> ++n } }
def c = counter()
c(); c()
println c()
def inc = { it + 1 }
def dbl = { it * 2 }
println((inc >> dbl)(5))
println((inc << dbl)(5))
def adders = (1..3).collect { i -> { x -> x + i } }
println adders.collect { it(10) }
def add = { a, b -> a + b }
println add.curry(3)(4)
def fib
fib = { n -> n < 2 ? n : fib(n - 1) + fib(n - 2) }.memoize()
println fib(40)
def owner = new StringBuilder()
def withDelegate = { append('x'); append(size()) }
withDelegate.delegate = owner
withDelegate.resolveStrategy = Closure.DELEGATE_FIRST
withDelegate()
println owner
println([1, 2, 3].collect(Math.&sqrt).collect { String.format('%.3f', it) })
