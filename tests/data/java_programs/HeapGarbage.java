import java.util.ArrayList;
import java.util.List;

// Run with -Xmx32m (HeapGarbage.jvmopts): garbage many times the heap is given back.
public class HeapGarbage {
    static final class Node {
        Node prev;
        Node next;
        long[] payload;
    }

    public static void main(String[] args) {
        long sum = 0;
        for (int i = 0; i < 400; i++) {           // 400 MB of arrays dropped at once
            byte[] b = new byte[1 << 20];
            b[i] = (byte) i;
            sum += b[i] + b.length;
        }
        for (int i = 0; i < 150; i++) {           // 150 MB held by rings of nodes
            Node a = new Node();
            Node c = new Node();
            a.next = c;
            c.prev = a;
            c.next = a;
            a.prev = c;
            a.payload = new long[1 << 17];
            a.payload[i] = i;
            sum += a.next.next.payload[i];
        }
        List<String> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {          // many small objects
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 50; j++) {
                sb.append(j);
            }
            if (i % 100 == 0) {
                keep.add(sb.toString());
            }
            sum += sb.length();
        }
        System.out.println("sum " + sum + " kept " + keep.size());
    }
}
