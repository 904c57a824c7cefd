import java.util.concurrent.*
import java.util.concurrent.atomic.AtomicInteger
def pool = Executors.newFixedThreadPool(3)
def total = new AtomicInteger()
def latch = new CountDownLatch(10)
(1..10).each { i -> pool.submit({ total.addAndGet(i * i); latch.countDown() } as Runnable) }
latch.await()
println total.get()
def futures = (1..5).collect { i -> pool.submit({ i * 100 } as Callable) }
println futures.sum { it.get() }
pool.shutdown()
println pool.awaitTermination(10, TimeUnit.SECONDS)
def lock = new Object()
def shared = 0
def threads = (1..4).collect { Thread.start { 100.times { synchronized (lock) { shared++ } } } }
threads*.join()
println shared
