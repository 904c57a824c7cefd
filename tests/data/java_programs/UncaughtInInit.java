public class UncaughtInInit {
    static int value = compute();
    static int compute() {
        throw new UnsupportedOperationException("no value");
    }
    public static void main(String[] args) {
        System.out.println(value);
    }
}
