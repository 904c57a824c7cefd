import java.util.EnumMap;
import java.util.EnumSet;

public class Enums1 {
    enum Color { RED, GREEN, BLUE }
    enum Planet {
        MERCURY(3.303e+23, 2.4397e6), EARTH(5.976e+24, 6.37814e6);
        private final double mass, radius;
        Planet(double mass, double radius) { this.mass = mass; this.radius = radius; }
        double surfaceGravity() { return 6.67300E-11 * mass / (radius * radius); }
    }
    enum Op {
        PLUS { int apply(int a, int b) { return a + b; } },
        TIMES { int apply(int a, int b) { return a * b; } };
        abstract int apply(int a, int b);
    }
    public static void main(String[] args) {
        for (Color c : Color.values()) System.out.println(c + " " + c.ordinal() + " " + c.name());
        System.out.println(Color.valueOf("GREEN") + " " + Color.RED.compareTo(Color.BLUE));
        for (Planet p : Planet.values()) System.out.printf("%s %.2f%n", p, p.surfaceGravity());
        System.out.println(Op.PLUS.apply(3, 4) + " " + Op.TIMES.apply(3, 4) + " " + Op.TIMES.getDeclaringClass().getSimpleName());
        Color c = Color.BLUE;
        switch (c) {
            case RED: System.out.println("r"); break;
            case BLUE: System.out.println("b"); break;
            default: System.out.println("g");
        }
        EnumMap<Color, Integer> m = new EnumMap<>(Color.class);
        m.put(Color.BLUE, 3); m.put(Color.RED, 1);
        System.out.println(m + " " + EnumSet.of(Color.GREEN, Color.RED) + " " + EnumSet.allOf(Color.class));
        try {
            Color.valueOf("PINK");
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
        }
    }
}
