class MyError extends Exception { MyError(String m) { super(m) } }
def risky(n) { if (n > 2) throw new MyError("too big: $n"); n * 10 }
(1..4).each { i ->
    try { println risky(i) } catch (MyError e) { println "caught ${e.message}" } finally { println "finally $i" }
}
try { 10 / 0 } catch (ArithmeticException e) { println "arith ${e.message}" }
try { [1][5].foo() } catch (NullPointerException e) { println 'npe' }
try { Integer.parseInt('x') } catch (NumberFormatException e) { println e.message }
try { null.length() } catch (NullPointerException e) { println 'npe2' }
try { 'abc'.nosuch() } catch (MissingMethodException e) { println "missing ${e.method}" }
def s = null
println s?.length() ?: 'elvis'
try { assert 1 + 1 == 3 : 'math' } catch (AssertionError e) { println e.message.readLines()[0] }
