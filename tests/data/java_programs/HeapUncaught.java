// Run with -Xmx32m (HeapUncaught.jvmopts): an OutOfMemoryError nobody catches.
public class HeapUncaught {
    static long[][] grab(int count) {
        long[][] rows = new long[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = new long[1 << 16];
        }
        return rows;
    }

    public static void main(String[] args) {
        System.out.println("grabbing");
        long[][] rows = grab(4096);
        System.out.println("never " + rows.length);
    }
}
