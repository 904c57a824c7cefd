def s = 'The quick brown fox jumps over the lazy dog'
println s.split(' ').collect { it.size() }.join('-')
println s.toLowerCase().findAll { Character.isLetter(it as char) }.countBy { it }.sort().take(5)
println String.format('%.6f %x %6s|', Math.E, 255, 'pad')
println 'abc' * 3
println s.reverse().capitalize()
def sb = new StringBuilder()
(1..5).each { sb << it << ',' }
println sb
println 'a,b,,c'.split(',').toList()
println "${s.indexOf('fox')} ${s.contains('cat')}"
println s.tokenize().take(3)
println 'hello'.center(11, '*')
println 'groovy'.toList().unique().join()
def name = 'World'
println "Hello ${name.toUpperCase()}, ${1 + 2}"
println 'x'.padLeft(4, '.') + '|'
