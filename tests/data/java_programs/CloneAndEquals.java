import java.util.*;

public class CloneAndEquals {
    static class Point implements Cloneable {
        int x, y;
        int[] tags = {1, 2};
        Point(int x, int y) { this.x = x; this.y = y; }
        @Override public Point clone() {
            try {
                Point p = (Point) super.clone();
                p.tags = tags.clone();
                return p;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
        @Override public boolean equals(Object o) { return o instanceof Point p && p.x == x && p.y == y; }
        @Override public int hashCode() { return 31 * x + y; }
        @Override public String toString() { return "(" + x + "," + y + ")" + Arrays.toString(tags); }
    }
    static class NotCloneable { @Override protected Object clone() throws CloneNotSupportedException { return super.clone(); } }
    public static void main(String[] args) throws Exception {
        Point a = new Point(1, 2);
        Point b = a.clone();
        b.x = 5;
        b.tags[0] = 9;
        System.out.println(a + " " + b + " " + a.equals(b) + " " + a.equals(new Point(1, 2)) + " " + (a == b));
        try {
            new NotCloneable().clone();
        } catch (CloneNotSupportedException e) {
            System.out.println("CNSE " + e.getMessage());
        }
        List<Point> pts = new ArrayList<>(List.of(new Point(3, 1), new Point(1, 2), new Point(2, 2)));
        pts.sort(Comparator.comparingInt((Point p) -> p.y).thenComparingInt(p -> p.x));
        System.out.println(pts + " " + pts.contains(new Point(2, 2)) + " " + new HashSet<>(pts).size());
        Object o = new Object();
        System.out.println(o.equals(o) + " " + o.getClass().getName() + " " + (o.hashCode() == o.hashCode()) + " " + Objects.equals(null, null));
        String[] names = {"b", "a"};
        String[] copy = names.clone();
        Arrays.sort(copy);
        System.out.println(Arrays.toString(names) + Arrays.toString(copy) + " " + Arrays.equals(names, copy));
        int[][] deep = {{1}, {2}};
        int[][] shallow = deep.clone();
        shallow[0][0] = 7;
        System.out.println(deep[0][0] + " " + (deep[0] == shallow[0]));
    }
}
