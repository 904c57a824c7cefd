def xs = [5, 3, 8, 1, 9, 2]
println xs.sort(false).join(',')
println xs.collect { it * 2 }.findAll { it > 5 }.sum()
def m = [b: 2, a: 1]
m.c = 3
println m.sort()
println xs.groupBy { it % 3 }.sort()
println xs.split { it > 4 }
println xs.collate(4)
println((1..10).step(3))
println xs.inject(0) { acc, x -> acc + x }
println xs.withIndex().collect { v, i -> "$i:$v" }.take(3)
println([[1, 2], [3, [4, 5]]].flatten())
println xs.countBy { it % 2 == 0 ? 'even' : 'odd' }
println([a: 1, b: 2].collectEntries { k, v -> [(k.toUpperCase()): v * 10] })
