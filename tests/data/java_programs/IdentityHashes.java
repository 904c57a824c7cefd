import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

// Identity hash codes as HotSpot hands them out on the main thread: Object.toString,
// System.identityHashCode, and the iteration order of hash sets of enums and plain objects.
// Classes first linked in between (ours, and a JDK class outside the CDS archive) take
// their part of the sequence too. No lambdas or string concatenation before the hashes.
public class IdentityHashes {
    enum Color { RED, GREEN, BLUE, CYAN, MAGENTA, YELLOW, BLACK, WHITE }

    static class Node {
        final String name;
        Node(String name) { this.name = name; }
        @Override public String toString() { return name; }
    }

    static class Leaf extends Node {
        Leaf(String name) { super(name); }
    }

    public static void main(String[] args) {
        Object first = new Object();
        System.out.println(first.hashCode());
        System.out.println(System.identityHashCode(new Object()));
        System.out.println(new Object());
        Set<Color> colors = new HashSet<>();
        for (Color c : Color.values()) {
            colors.add(c);
        }
        System.out.println(colors);
        Set<Node> nodes = new HashSet<>();
        nodes.add(new Node("a"));
        nodes.add(new Leaf("b"));
        nodes.add(new Node("c"));
        nodes.add(new Leaf("d"));
        System.out.println(nodes);
        BitSet bits = new BitSet();
        bits.set(3);
        System.out.println(bits);
        Map<Object, String> byIdentity = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            byIdentity.put(new Object(), Integer.toString(i));
        }
        System.out.println(byIdentity.values());
        System.out.println(first.hashCode() == System.identityHashCode(first));
        System.out.println(Integer.toHexString(first.hashCode()));
    }
}
