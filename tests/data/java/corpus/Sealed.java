package corpus;

public sealed interface Sealed permits Sealed.Circle, Sealed.Square, Sealed.Other {
    double area();

    final class Circle implements Sealed {
        final double r;
        Circle(double r) { this.r = r; }
        public double area() { return Math.PI * r * r; }
    }

    record Square(double side) implements Sealed {
        public double area() { return side * side; }
    }

    non-sealed class Other implements Sealed {
        public double area() { return 0; }
    }

    static double total(Sealed... shapes) {
        double t = 0;
        for (Sealed s : shapes) {
            if (s instanceof Circle c && c.r > 0) {
                t += c.area();
            } else {
                t += s.area();
            }
        }
        return t;
    }
}
