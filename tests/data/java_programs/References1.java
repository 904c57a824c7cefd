import java.lang.ref.*;
import java.util.*;

public class References1 {
    static int finalized = 0;
    static class Fin {
        final int id;
        Fin(int id) { this.id = id; }
        @Override protected void finalize() { synchronized (References1.class) { finalized++; } }
    }
    static class Big { final byte[] data = new byte[1024]; }

    static void fill(WeakHashMap<Object, String> whm, List<Object> keep) {
        for (int i = 0; i < 100; i++) {
            Object k = new Object();
            if (i % 4 == 0) keep.add(k);
            whm.put(k, "v" + i);
        }
    }

    public static void main(String[] args) throws Exception {
        ThreadLocal<Integer> tl = new ThreadLocal<>();
        tl.set(5);
        System.out.println("threadlocal " + tl.get());
        ThreadLocal<String> init = ThreadLocal.withInitial(() -> "init");
        System.out.println("withInitial " + init.get());
        init.remove();

        Object strong = new Object();
        WeakReference<Object> w = new WeakReference<>(strong);
        System.out.println("refersTo " + w.refersTo(strong) + " " + w.refersTo(null));
        System.out.println("get same " + (w.get() == strong));
        w.clear();
        System.out.println("after clear " + w.get() + " " + w.refersTo(null));

        ReferenceQueue<Object> q = new ReferenceQueue<>();
        Object o = new Object();
        WeakReference<Object> wq = new WeakReference<>(o, q);
        PhantomReference<Object> pq = new PhantomReference<>(o, q);
        Object o2 = new Object();
        SoftReference<Object> sr = new SoftReference<>(o2);
        System.out.println("phantom get " + pq.get() + " refersTo " + pq.refersTo(o));
        System.out.println("before gc " + (wq.get() != null) + " poll " + q.poll());
        o = null;
        o2 = null;
        System.gc();
        System.out.println("weak after gc " + wq.get());
        System.out.println("soft after gc " + (sr.get() != null));
        Reference<?> r1 = q.remove(5000);
        Reference<?> r2 = q.remove(5000);
        System.out.println("enqueued " + ((r1 == wq && r2 == pq) || (r1 == pq && r2 == wq)));
        System.out.println("enqueue again " + wq.enqueue() + " " + wq.isEnqueued());

        WeakHashMap<Object, String> whm = new WeakHashMap<>();
        List<Object> keep = new ArrayList<>();
        fill(whm, keep);
        System.gc();
        for (int i = 0; i < 500 && whm.size() != 25; i++) Thread.sleep(10);
        System.out.println("weakhashmap " + whm.size() + " kept " + keep.size());

        Cleaner cleaner = Cleaner.create();
        final boolean[] cleaned = new boolean[1];
        Object res = new Object();
        Cleaner.Cleanable c = cleaner.register(res, () -> { synchronized (cleaned) { cleaned[0] = true; cleaned.notifyAll(); } });
        res = null;
        System.gc();
        synchronized (cleaned) {
            long end = System.currentTimeMillis() + 5000;
            while (!cleaned[0] && System.currentTimeMillis() < end) cleaned.wait(100);
        }
        System.out.println("cleaned " + cleaned[0]);
        Object res2 = new Object();
        final int[] runs = new int[1];
        Cleaner.Cleanable c2 = cleaner.register(res2, () -> runs[0]++);
        c2.clean();
        c2.clean();
        System.out.println("explicit clean runs " + runs[0] + " " + (res2 != null));

        for (int i = 0; i < 10; i++) new Fin(i);
        System.gc();
        System.runFinalization();
        long end = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < end) {
            synchronized (References1.class) { if (finalized == 10) break; }
            System.gc();
            System.runFinalization();
            Thread.sleep(10);
        }
        System.out.println("finalized " + finalized);

        SoftReference<Big> soft = new SoftReference<>(new Big());
        List<Big> hog = new ArrayList<>();
        try {
            while (true) hog.add(new Big());
        } catch (OutOfMemoryError e) {
            hog = null;
            System.out.println("soft cleared before OOM " + (soft.get() == null));
        }
    }
}
