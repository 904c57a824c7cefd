import java.util.*;

public class HelpfulNpe {
    static String staticField;
    String name;
    HelpfulNpe next;
    int[] numbers;
    static String nothing() { return null; }
    static void attempt(Runnable r) {
        try {
            r.run();
        } catch (NullPointerException e) {
            System.out.println(e.getMessage());
        }
    }
    public static void main(String[] args) {
        String local = null;
        HelpfulNpe obj = new HelpfulNpe();
        int[] arr = null;
        Object[][] grid = new Object[2][];
        attempt(() -> System.out.println(local.length()));
        attempt(() -> System.out.println(obj.name.length()));
        attempt(() -> System.out.println(obj.next.name));
        attempt(() -> obj.next.name = "x");
        attempt(() -> System.out.println(arr[0]));
        attempt(() -> System.out.println(arr.length));
        attempt(() -> arr[1] = 5);
        attempt(() -> System.out.println(staticField.isEmpty()));
        attempt(() -> System.out.println(nothing().trim()));
        attempt(() -> System.out.println(grid[1][0]));
        attempt(() -> System.out.println(obj.numbers[2]));
        attempt(() -> { Integer boxed = null; int v = boxed; });
        attempt(() -> { throw null; });
        attempt(() -> { synchronized (local) { } });
        attempt(() -> { List<String> list = null; list.size(); });
        attempt(() -> { throw new NullPointerException("explicit message"); });
        attempt(() -> { throw new NullPointerException(); });
        attempt(() -> Objects.requireNonNull(null, "required"));
        String s = null;
        try {
            s.equals("a");
        } catch (NullPointerException e) {
            System.out.println(e.getMessage());
        }
        char[] cs = null;
        try {
            cs[0] = 'a';
        } catch (NullPointerException e) {
            System.out.println(e.getMessage());
        }
        s.toString();
    }
}
