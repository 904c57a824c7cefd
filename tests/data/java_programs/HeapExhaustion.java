import java.util.ArrayList;
import java.util.List;

// Run with -Xmx32m (HeapExhaustion.jvmopts): what is held counts against the heap.
public class HeapExhaustion {
    static final class Chunk {
        final int id;
        final int[] data = new int[1000];

        Chunk(int id) {
            this.id = id;
            data[id % 1000] = id;
        }
    }

    static int fill(List<Chunk> hold) {
        int n = 0;
        while (true) {
            hold.add(new Chunk(n));
            n++;
        }
    }

    // A method of its own, so that no local of main's keeps an iterator over the list.
    static long sum(List<Chunk> chunks) {
        long sum = 0;
        for (Chunk c : chunks) {
            sum += c.data[c.id % 1000];
        }
        return sum;
    }

    public static void main(String[] args) {
        List<Chunk> hold = new ArrayList<>();
        boolean cleaned = false;
        try {
            try {
                fill(hold);
            } finally {
                cleaned = true;
            }
        } catch (OutOfMemoryError e) {
            int n = hold.size();
            hold = null;
            System.out.println("caught " + e.getClass().getName() + ": " + e.getMessage());
            System.out.println("finally ran: " + cleaned);
            System.out.println("held between 2000 and 9000 chunks: " + (n > 2000 && n < 9000));
            boolean inFill = false;
            for (StackTraceElement f : e.getStackTrace()) {
                inFill |= f.getMethodName().equals("fill");
            }
            System.out.println("thrown under fill: " + inFill);
        }

        List<Chunk> again = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            again.add(new Chunk(i));
        }
        System.out.println("reallocated " + again.size() + " chunks, sum " + sum(again));
        try {
            byte[] big = new byte[16 << 20];
            System.out.println("unexpected " + big.length);
        } catch (OutOfMemoryError e) {
            System.out.println("16 MB more does not fit: " + e.getMessage());
        }
        again = null;
        byte[] big = new byte[16 << 20];
        big[big.length - 1] = 7;
        System.out.println("after release it does: " + big.length + " " + big[big.length - 1]);
        System.out.println("maxMemory " + Runtime.getRuntime().maxMemory());
    }
}
