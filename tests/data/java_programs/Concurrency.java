import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class Concurrency {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Long>> futures = new ArrayList<>();
        for (int t = 0; t < 5; t++) {
            final int base = t * 100;
            futures.add(pool.submit(() -> { long s = 0; for (int i = 0; i < 100; i++) s += base + i; return s; }));
        }
        long total = 0;
        for (Future<Long> f : futures) total += f.get();
        System.out.println("futures total " + total);
        CountDownLatch latch = new CountDownLatch(4);
        AtomicLong counter = new AtomicLong();
        ConcurrentHashMap<Integer, Integer> map = new ConcurrentHashMap<>();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            pool.execute(() -> {
                for (int i = 0; i < 50; i++) { counter.incrementAndGet(); map.merge(i % 5, 1, Integer::sum); }
                latch.countDown();
            });
        }
        latch.await();
        System.out.println("counter " + counter.get() + " map " + new TreeMap<>(map));
        pool.shutdown();
        System.out.println("terminated " + pool.awaitTermination(10, TimeUnit.SECONDS));
        CompletableFuture<Integer> cf = CompletableFuture.supplyAsync(() -> 20).thenCombine(CompletableFuture.supplyAsync(() -> 22), Integer::sum);
        System.out.println("completable " + cf.get());
        AtomicReference<String> ref = new AtomicReference<>("a");
        ref.updateAndGet(s -> s + "b");
        System.out.println(ref.get() + " " + ref.compareAndSet("ab", "c") + " " + ref.get());
        AtomicIntegerArray arr = new AtomicIntegerArray(3);
        arr.addAndGet(1, 5);
        System.out.println(arr);
        BlockingQueue<Integer> q = new LinkedBlockingQueue<>();
        Thread prod = new Thread(() -> { for (int i = 1; i <= 5; i++) q.add(i * i); q.add(-1); });
        prod.start();
        int sum = 0;
        for (int v; (v = q.take()) != -1; ) sum += v;
        prod.join();
        System.out.println("queue sum " + sum);
        System.out.println(List.of(5, 3, 1, 4).parallelStream().mapToInt(x -> x * 10).sum());
    }
}
