import java.util.concurrent.{Executors, TimeUnit, CountDownLatch}
import java.util.concurrent.atomic.AtomicInteger
object Actors {
  def main(args: Array[String]): Unit = {
    val pool = Executors.newFixedThreadPool(3)
    val total = new AtomicInteger
    val latch = new CountDownLatch(10)
    for (i <- 1 to 10) pool.submit(new Runnable { def run(): Unit = { total.addAndGet(i * i); latch.countDown() } })
    latch.await()
    println(total.get)
    val futures = (1 to 5).map(i => pool.submit(new java.util.concurrent.Callable[Int] { def call() = i * 100 }))
    println(futures.map(_.get).sum)
    pool.shutdown()
    println(pool.awaitTermination(10, TimeUnit.SECONDS))
    val lock = new Object
    var shared = 0
    val threads = (1 to 4).map(_ => new Thread(new Runnable { def run(): Unit = for (_ <- 1 to 100) lock.synchronized { shared += 1 } }))
    threads.foreach(_.start()); threads.foreach(_.join())
    println(shared)
  }
}
