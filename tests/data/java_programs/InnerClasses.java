import java.util.*;

public class InnerClasses {
    private int secret = 42;
    class Inner {
        int reveal() { return secret * 2; }
    }
    static class Nested {
        String hi() { return "nested"; }
    }
    interface Greeter { String greet(String n); }
    Iterator<Integer> countdown(final int from) {
        class Local implements Iterator<Integer> {
            int cur = from;
            public boolean hasNext() { return cur > 0; }
            public Integer next() { return cur--; }
        }
        return new Local();
    }
    public static void main(String[] args) {
        InnerClasses outer = new InnerClasses();
        InnerClasses.Inner in = outer.new Inner();
        System.out.println(in.reveal() + " " + new Nested().hi());
        String prefix = "Hello, ";
        Greeter g = new Greeter() {
            int calls = 0;
            public String greet(String n) { calls++; return prefix + n + " #" + calls; }
        };
        System.out.println(g.greet("a") + " " + g.greet("b"));
        Iterator<Integer> it = outer.countdown(3);
        while (it.hasNext()) System.out.print(it.next() + " ");
        System.out.println();
        outer.secret = 1;
        System.out.println(in.reveal());
        System.out.println(g.getClass().getName() + " " + Nested.class.getName() + " " + Inner.class.getSimpleName());
    }
}
