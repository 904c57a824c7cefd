public class Interfaces1 {
    interface Shape {
        double area();
        default String describe() { return name() + " with area " + String.format("%.2f", area()); }
        default String name() { return "shape"; }
        static Shape unit() { return () -> 1.0; }
    }
    interface Named { default String name() { return "named"; } }
    static class Circle implements Shape {
        final double r;
        Circle(double r) { this.r = r; }
        public double area() { return Math.PI * r * r; }
        public String name() { return "circle"; }
    }
    static class Square implements Shape, Named {
        public double area() { return 4; }
        public String name() { return Named.super.name() + "+" + Shape.super.name(); }
    }
    interface Counter {
        int next();
        private int helper() { return 42; }
        default int peek() { return helper(); }
    }
    abstract static class Base implements Counter {
        int n;
        public int next() { return ++n; }
    }
    static class Impl extends Base {}
    public static void main(String[] args) {
        Shape[] shapes = {new Circle(1), new Square(), Shape.unit()};
        for (Shape s : shapes) System.out.println(s.describe());
        Counter c = new Impl();
        c.next(); c.next();
        System.out.println(c.next() + " " + c.peek());
        System.out.println((shapes[1] instanceof Named) + " " + (shapes[0] instanceof Named));
        Comparable<String> cmp = "b"::compareTo;
        System.out.println(cmp.compareTo("a"));
    }
}
