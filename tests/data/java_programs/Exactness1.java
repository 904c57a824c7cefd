import java.io.*;
import java.lang.reflect.Array;

public class Exactness1 {
    public static void main(String[] args) throws Exception {
        try { Array.getLength(null); } catch (Exception e) { System.out.println(e); }
        try { Array.getLength("x"); } catch (Exception e) { System.out.println(e); }
        File f = File.createTempFile("exact", ".txt");
        f.deleteOnExit();
        try (FileOutputStream o = new FileOutputStream(f)) { o.write(65); }
        FileInputStream in = new FileInputStream(f);
        in.close();
        try { in.read(); } catch (IOException e) { System.out.println(e); }
        try { in.read(new byte[4]); } catch (IOException e) { System.out.println(e); }
        try { in.available(); } catch (IOException e) { System.out.println(e); }
        try { in.skip(1); } catch (IOException e) { System.out.println(e); }
        FileOutputStream out = new FileOutputStream(f);
        out.close();
        try { out.write(1); } catch (IOException e) { System.out.println(e); }
        RandomAccessFile raf = new RandomAccessFile(f, "r");
        raf.close();
        try { raf.read(); } catch (IOException e) { System.out.println(e); }
        final Object lock = new Object();
        Thread t = new Thread(() -> { synchronized (lock) { } });
        synchronized (lock) {
            t.start();
            for (int i = 0; i < 200 && t.getState() != Thread.State.BLOCKED; i++) Thread.sleep(10);
            System.out.println(t.getState());
        }
        t.join();
        System.out.println(t.getState());
        System.out.println(StrictMath.log(0.7) + " " + StrictMath.atan(0.3) + " " + StrictMath.log(123456.789));
        double s = 0;
        for (int i = 1; i < 2000; i++) s += StrictMath.log(i * 0.37) + StrictMath.atan(i * 0.013);
        System.out.println(s);
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 3; i++) System.out.println(r.nextGaussian());
    }
}
