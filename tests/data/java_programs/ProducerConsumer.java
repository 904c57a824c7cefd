import java.util.*;

public class ProducerConsumer {
    static class Buffer {
        private final Deque<Integer> items = new ArrayDeque<>();
        private final int capacity;
        Buffer(int capacity) { this.capacity = capacity; }
        synchronized void put(int v) throws InterruptedException {
            while (items.size() == capacity) wait();
            items.addLast(v);
            notifyAll();
        }
        synchronized int take() throws InterruptedException {
            while (items.isEmpty()) wait();
            int v = items.removeFirst();
            notifyAll();
            return v;
        }
    }
    public static void main(String[] args) throws InterruptedException {
        Buffer buf = new Buffer(3);
        int producers = 3, perProducer = 40;
        long[] sums = new long[2];
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final int base = p * 1000;
            threads.add(new Thread(() -> {
                try { for (int i = 0; i < perProducer; i++) buf.put(base + i); } catch (InterruptedException e) { }
            }));
        }
        for (int c = 0; c < 2; c++) {
            final int id = c;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < producers * perProducer / 2; i++) {
                        int v = buf.take();
                        synchronized (sums) { sums[id] += v; }
                    }
                } catch (InterruptedException e) { }
            }));
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        System.out.println("total " + (sums[0] + sums[1]));
        Object lockA = new Object();
        int[] shared = {0};
        Thread[] incs = new Thread[3];
        for (int i = 0; i < incs.length; i++) {
            incs[i] = new Thread(() -> { for (int k = 0; k < 200; k++) synchronized (lockA) { shared[0]++; } });
            incs[i].start();
        }
        for (Thread t : incs) t.join();
        System.out.println("shared " + shared[0]);
        java.util.concurrent.atomic.AtomicInteger ai = new java.util.concurrent.atomic.AtomicInteger();
        Thread a1 = new Thread(() -> { for (int k = 0; k < 300; k++) ai.incrementAndGet(); });
        Thread a2 = new Thread(() -> { for (int k = 0; k < 300; k++) ai.addAndGet(2); });
        a1.start(); a2.start(); a1.join(); a2.join();
        System.out.println("atomic " + ai.get());
        Thread daemon = new Thread(() -> { while (true) { try { Thread.sleep(1000); } catch (InterruptedException e) { return; } } });
        daemon.setDaemon(true);
        daemon.start();
        System.out.println("daemon " + daemon.isDaemon() + " state " + new Thread(() -> {}).getState());
    }
}
