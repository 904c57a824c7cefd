import java.util.*;

public class Exactness2 {
    static String name() { return null; }
    String field;
    static Exactness2 make() { return null; }
    static int[] arr() { return null; }
    public static void main(String[] args) throws Exception {
        Runnable[] cases = {
            () -> name().length(),
            () -> make().field.length(),
            () -> System.out.println(arr()[0]),
            () -> { Map<String, String> m = new HashMap<>(); m.get("k").trim(); },
            () -> { Exactness2 e = new Exactness2(); e.field.isEmpty(); },
            () -> { Object o = null; synchronized (o) { } },
            () -> { String[] s = new String[2]; s[1].length(); },
            () -> { List<String> l = null; l.size(); },
            () -> { throw null; },
            () -> { Integer i = null; int x = i; },
        };
        for (Runnable r : cases) {
            try { r.run(); } catch (NullPointerException e) { System.out.println(e.getMessage()); }
        }
        try {
            Object.class.getMethod("hashCode").invoke(null);
        } catch (Exception e) {
            System.out.println(e.getClass().getName());
        }
        try {
            Thread.sleep(-1);
        } catch (IllegalArgumentException e) {
            StackTraceElement top = e.getStackTrace()[0];
            System.out.println(top + " " + top.isNativeMethod());
        }
        try {
            System.arraycopy(null, 0, new int[1], 0, 1);
        } catch (NullPointerException e) {
            System.out.println(e.getStackTrace()[0] + " " + e.getMessage());
        }
        record Point(int x, int y) { }
        System.out.println(new Point(1, 2) + " " + Point.class.getName() + " " + Point.class.getSimpleName());
    }
}
