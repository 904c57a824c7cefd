import java.util.*;

public class Records1 {
    record Point(int x, int y) {
        Point {
            if (x < 0) throw new IllegalArgumentException("negative x");
        }
        int dist() { return Math.abs(x) + Math.abs(y); }
        static Point origin() { return new Point(0, 0); }
    }
    record Named(String name, double value, long id, boolean flag, char c, float f) {}
    public static void main(String[] args) {
        Point p = new Point(3, 4);
        System.out.println(p + " " + p.x() + " " + p.dist() + " " + Point.origin());
        System.out.println(p.equals(new Point(3, 4)) + " " + p.equals(new Point(4, 3)) + " " + (p.hashCode() == new Point(3, 4).hashCode()));
        System.out.println(new Point(1, 2).hashCode() + " " + new Named("n", 1.5, 7L, true, 'c', 2.5f).hashCode());
        Named n = new Named(null, -0.0, Long.MIN_VALUE, false, 'z', Float.NaN);
        System.out.println(n + " " + n.equals(new Named(null, -0.0, Long.MIN_VALUE, false, 'z', Float.NaN)));
        Set<Point> set = new HashSet<>(List.of(new Point(1, 1), new Point(1, 1), new Point(2, 2)));
        System.out.println(set.size());
        try {
            new Point(-1, 0);
        } catch (IllegalArgumentException e) {
            System.out.println("caught " + e.getMessage());
        }
        Object o = p;
        if (o instanceof Point q && q.x() == 3) System.out.println("pattern " + q.y());
    }
}
