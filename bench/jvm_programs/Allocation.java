public class Allocation {
    static final class Node { final int v; final Node next; Node(int v, Node next) { this.v = v; this.next = next; } }
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100000;
        long total = 0;
        for (int round = 0; round < 10; round++) {
            Node head = null;
            for (int i = 0; i < n / 10; i++) head = new Node(i, head);
            for (Node p = head; p != null; p = p.next) total += p.v;
        }
        System.out.println("total = " + total);
    }
}
