import java.lang.reflect.*;
import java.util.*;

public class Reflection1 {
    static class Shape {
        protected String label = "shape";
        public String describe() { return "shape " + label; }
    }

    static class Point extends Shape implements Comparable<Point> {
        public int x;
        private int y;
        public static String NAME = "pt";
        private final List<String> notes = new ArrayList<>();

        public Point() { this(0, 0); }
        public Point(int x, int y) { this.x = x; this.y = y; }
        private Point(String s) { this(s.length(), -1); }

        public int sum() { return x + y; }
        private String hidden(String prefix, long n) { return prefix + (y + n); }
        public static int twice(int v) { return 2 * v; }
        public double scale(double f, float g) { return (x + y) * f * g; }
        @Override public String describe() { return "point " + x + "," + y; }
        public int compareTo(Point o) { return Integer.compare(sum(), o.sum()); }
        public List<String> notes() { return notes; }
        public void fail(String why) throws java.io.IOException { throw new java.io.IOException(why); }
    }

    enum Color { RED, GREEN, BLUE; Color next() { return values()[(ordinal() + 1) % 3]; } }

    record Pair<A, B>(A first, B second) implements Comparable<Pair<A, B>> {
        Pair { Objects.requireNonNull(first); }
        public int compareTo(Pair<A, B> o) { return first.toString().compareTo(o.first.toString()); }
    }

    record Temperature(double celsius, String unit, int[] samples) {}

    static List<String> sorted(Collection<String> c) {
        List<String> l = new ArrayList<>(c);
        Collections.sort(l);
        return l;
    }

    public static void main(String[] args) throws Exception {
        Class<?> c = Point.class;
        System.out.println(c.getName() + " " + c.getSimpleName() + " " + c.getSuperclass().getSimpleName()
                + " " + Modifier.toString(c.getModifiers()) + " " + Arrays.toString(c.getInterfaces()));
        List<String> ms = new ArrayList<>();
        for (Method m : c.getDeclaredMethods()) {
            if (!m.isSynthetic() && !m.isBridge()) ms.add(Modifier.toString(m.getModifiers()) + " " + m.getName() + m.getParameterCount());
        }
        System.out.println(sorted(ms));
        List<String> fs = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) fs.add(f.getName() + ":" + f.getType().getSimpleName() + ":" + Modifier.toString(f.getModifiers()));
        System.out.println(sorted(fs));
        List<String> cs = new ArrayList<>();
        for (Constructor<?> k : c.getDeclaredConstructors()) cs.add(Modifier.toString(k.getModifiers()) + Arrays.toString(k.getParameterTypes()));
        System.out.println(sorted(cs));
        List<String> pub = new ArrayList<>();
        for (Method m : c.getMethods()) if (m.getDeclaringClass() != Object.class) pub.add(m.getDeclaringClass().getSimpleName() + "." + m.getName());
        System.out.println(sorted(new TreeSet<>(pub)));

        Point p = (Point) c.getConstructor(int.class, int.class).newInstance(3, 4);
        System.out.println(c.getMethod("sum").invoke(p) + " " + c.getMethod("describe").invoke(p)
                + " " + Shape.class.getMethod("describe").invoke(p));
        Method hidden = c.getDeclaredMethod("hidden", String.class, long.class);
        hidden.setAccessible(true);
        System.out.println(hidden.invoke(p, "y+n=", 10L));
        System.out.println(c.getMethod("twice", int.class).invoke(null, 21) + " "
                + c.getMethod("scale", double.class, float.class).invoke(p, 1.5, 2f));
        Constructor<?> priv = c.getDeclaredConstructor(String.class);
        priv.setAccessible(true);
        System.out.println(((Point) priv.newInstance("abcd")).describe());
        Field fy = c.getDeclaredField("y");
        fy.setAccessible(true);
        fy.setInt(p, 10);
        Field fx = c.getField("x");
        fx.set(p, 7);
        Field label = Shape.class.getDeclaredField("label");
        System.out.println(fy.getInt(p) + " " + fx.get(p) + " " + c.getField("NAME").get(null) + " " + label.get(p) + " " + p.sum());
        System.out.println(c.getMethod("notes").getGenericReturnType() + " " + c.getDeclaredField("notes").getGenericType());

        try { c.getMethod("nope"); } catch (NoSuchMethodException e) { System.out.println("NoSuchMethodException " + e.getMessage()); }
        try { c.getDeclaredField("zzz"); } catch (NoSuchFieldException e) { System.out.println("NoSuchFieldException " + e.getMessage()); }
        try { c.getMethod("sum").invoke(null); } catch (NullPointerException e) { System.out.println("NullPointerException"); }
        try { c.getMethod("twice", int.class).invoke(null, "x"); } catch (IllegalArgumentException e) { System.out.println("IllegalArgumentException"); }
        try { c.getMethod("fail", String.class).invoke(p, "bad"); }
        catch (InvocationTargetException e) { System.out.println("InvocationTargetException " + e.getCause()); }
        try { fy.setInt(p, 1); hidden.setAccessible(false); Point.class.getDeclaredMethod("hidden", String.class, long.class).invoke(p, "a", 1L); }
        catch (IllegalAccessException e) { System.out.println("IllegalAccessException"); }

        System.out.println(Enum.valueOf(Color.class, "GREEN") + " " + Color.valueOf("BLUE").next()
                + " " + Arrays.toString(Color.class.getEnumConstants()) + " " + Color.class.isEnum());
        System.out.println(Color.class.getMethod("valueOf", String.class).invoke(null, "RED"));
        try { Color.valueOf("PINK"); } catch (IllegalArgumentException e) { System.out.println(e.getMessage()); }

        Pair<String, Integer> pr = new Pair<>("k", 9);
        System.out.println(pr + " " + pr.equals(new Pair<>("k", 9)) + " " + pr.equals(new Pair<>("k", 8))
                + " " + (pr.hashCode() == new Pair<>("k", 9).hashCode()) + " " + Pair.class.isRecord());
        for (RecordComponent rc : Pair.class.getRecordComponents())
            System.out.println(rc.getName() + " " + rc.getType().getSimpleName() + " " + rc.getGenericType() + " " + rc.getAccessor().invoke(pr));
        Temperature t = new Temperature(21.5, "C", new int[] {1, 2});
        System.out.println(t.toString().startsWith("Temperature[celsius=21.5, unit=C, samples=[I@") + " " + t.equals(new Temperature(21.5, "C", t.samples())));
        Constructor<?> canon = Temperature.class.getDeclaredConstructor(double.class, String.class, int[].class);
        System.out.println(((Temperature) canon.newInstance(-3.0, "F", null)).celsius());
        try { new Pair<>(null, 1); } catch (NullPointerException e) { System.out.println("null first"); }

        Object arr = Array.newInstance(int.class, 3);
        Array.setInt(arr, 1, 5);
        System.out.println(Array.getLength(arr) + " " + Array.get(arr, 1) + " " + arr.getClass().getSimpleName()
                + " " + String[][].class.getName() + " " + int[].class.getComponentType());
        System.out.println(Point.class.getDeclaredConstructor().newInstance().describe());
        System.out.println(Class.forName("Reflection1$Color").getEnumConstants().length + " "
                + Class.forName("java.util.ArrayList").getDeclaredConstructor().newInstance());
        try { Class.forName("no.such.Clazz"); } catch (ClassNotFoundException e) { System.out.println("ClassNotFoundException " + e.getMessage()); }
    }
}
