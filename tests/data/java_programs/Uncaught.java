public class Uncaught {
    static void level3(int x) {
        if (x > 0) throw new IllegalStateException("bad state " + x);
    }
    static void level2(int x) { level3(x + 1); }
    void level1() { level2(1); }
    public static void main(String[] args) {
        System.out.println("before");
        new Uncaught().level1();
        System.out.println("after");
    }
}
