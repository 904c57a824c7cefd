def describe(x) {
    switch (x) {
        case null: return 'null'
        case 0: return 'zero'
        case Integer: return x < 0 ? 'negative' : "int $x"
        case ~/\d+-\d+/: return "range text $x"
        case String: return "string of ${x.size()}"
        case [2.5, 3.5]: return 'in list'
        case { it instanceof List && it.size() > 2 }: return 'long list'
        case 10..20: return 'in range'
        default: return 'other'
    }
}
[null, 0, -3, 7, '12-34', 'abc', 2.5, [1, 2, 3], 15L, 'x' as char].each { println describe(it) }
def m = 'joe@example.com' =~ /(\w+)@(\w+)\.com/
println "${m[0][1]} at ${m[0][2]}"
def (a, b, c) = [1, 'two', 3.0]
println "$a $b $c"
println('abc' ==~ /a.c/)
