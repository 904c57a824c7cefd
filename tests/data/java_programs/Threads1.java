public class Threads1 {
    static int counter = 0;
    static final Object lock = new Object();
    static synchronized void inc() { counter++; }
    public static void main(String[] args) throws Exception {
        Thread[] ts = new Thread[4];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new Thread(() -> { for (int j = 0; j < 500; j++) inc(); }, "worker-" + i);
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        System.out.println("counter " + counter);
        final int[] box = {0};
        Thread producer = new Thread(() -> {
            synchronized (lock) {
                box[0] = 99;
                lock.notifyAll();
            }
        });
        synchronized (lock) {
            producer.start();
            while (box[0] == 0) lock.wait();
        }
        producer.join();
        System.out.println("got " + box[0] + " alive=" + producer.isAlive());
        Thread named = new Thread(() -> System.out.println("in " + Thread.currentThread().getName()));
        named.setName("custom-name");
        named.start();
        named.join();
        System.out.println(Thread.currentThread().getName() + " " + Thread.currentThread().getPriority());
        Thread sleeper = new Thread(() -> {
            try {
                Thread.sleep(10000);
                System.out.println("woke normally");
            } catch (InterruptedException e) {
                System.out.println("interrupted");
            }
        });
        sleeper.start();
        sleeper.interrupt();
        sleeper.join();
        final Object gate = new Object();
        Thread waiter = new Thread(() -> {
            synchronized (gate) {
                try {
                    gate.wait();
                    System.out.println("notified?");
                } catch (InterruptedException e) {
                    System.out.println("wait interrupted " + Thread.currentThread().isInterrupted());
                }
            }
        });
        waiter.start();
        while (waiter.getState() != Thread.State.WAITING) Thread.sleep(5);
        waiter.interrupt();
        waiter.join();
        Thread failing = new Thread(() -> { throw new IllegalStateException("boom in thread"); }, "failer");
        failing.start();
        failing.join();
        System.out.println("main done");
    }
}
