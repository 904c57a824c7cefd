import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
fun main(args: Array<String>) {
    val pool = Executors.newFixedThreadPool(3)
    val total = AtomicInteger()
    val latch = CountDownLatch(10)
    for (i in 1..10) pool.submit { total.addAndGet(i * i); latch.countDown() }
    latch.await()
    println(total.get())
    val futures = (1..5).map { i -> pool.submit<Int> { i * 100 } }
    println(futures.sumBy { it.get() })
    pool.shutdown()
    println(pool.awaitTermination(10, TimeUnit.SECONDS))
    val lock = Any()
    var shared = 0
    val ts = (1..4).map { thread { repeat(100) { synchronized(lock) { shared++ } } } }
    ts.forEach { it.join() }
    println(shared)
}
