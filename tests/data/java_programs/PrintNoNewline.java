public class PrintNoNewline {
    public static void main(String[] args) throws Exception {
        System.out.print("no newline ");
        System.err.print("stderr without newline");
        System.out.printf("%d|%s", 5, "end");
        Thread t = new Thread(() -> { System.out.print(" [thread]"); System.exit(4); });
        t.start();
        t.join();
        System.out.println("not reached");
    }
}
