public class SealedPatterns {
    sealed interface Shape permits Circle, Rect, Tri {}
    record Circle(double r) implements Shape {}
    record Rect(double w, double h) implements Shape {}
    static final class Tri implements Shape {
        final double b, h;
        Tri(double b, double h) { this.b = b; this.h = h; }
    }
    static double area(Shape s) {
        if (s instanceof Circle c) return Math.PI * c.r() * c.r();
        else if (s instanceof Rect r) return r.w() * r.h();
        else if (s instanceof Tri t) return t.b * t.h / 2;
        throw new IllegalArgumentException();
    }
    static String describe(Object o) {
        return switch (o.getClass().getSimpleName()) {
            case "Circle" -> "round";
            case "Rect" -> "boxy";
            default -> "pointy";
        };
    }
    public static void main(String[] args) {
        Shape[] shapes = {new Circle(1), new Rect(2, 3), new Tri(4, 5)};
        double total = 0;
        for (Shape s : shapes) { total += area(s); System.out.println(describe(s) + " " + area(s)); }
        System.out.printf("total %.4f%n", total);
        Object o = "text";
        if (o instanceof String s && s.length() > 2) System.out.println("long string " + s);
        if (!(o instanceof Integer i)) System.out.println("not an integer");
        System.out.println(Shape.class.isInterface() + " " + shapes[0].getClass().isRecord() + " " + Tri.class.isRecord());
    }
}
