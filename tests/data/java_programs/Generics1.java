import java.util.*;

public class Generics1 {
    static class Box<T extends Comparable<T>> {
        private T value;
        Box(T v) { value = v; }
        T get() { return value; }
        boolean bigger(Box<T> o) { return value.compareTo(o.value) > 0; }
    }
    static class Pair<A, B> {
        final A a; final B b;
        Pair(A a, B b) { this.a = a; this.b = b; }
        <C> Pair<A, C> withSecond(C c) { return new Pair<>(a, c); }
        public String toString() { return "(" + a + ", " + b + ")"; }
    }
    static <T extends Comparable<? super T>> T max(List<? extends T> list) {
        T best = list.get(0);
        for (T t : list) if (t.compareTo(best) > 0) best = t;
        return best;
    }
    static double sum(Collection<? extends Number> nums) {
        double s = 0;
        for (Number n : nums) s += n.doubleValue();
        return s;
    }
    interface Transformer<X> extends Comparable<Transformer<X>> { X apply(X x); }
    static class Doubler implements Transformer<Integer> {
        public Integer apply(Integer x) { return x * 2; }
        public int compareTo(Transformer<Integer> o) { return 0; }
    }
    public static void main(String[] args) {
        Box<Integer> b1 = new Box<>(5), b2 = new Box<>(3);
        System.out.println(b1.bigger(b2) + " " + b2.get());
        Pair<String, Integer> p = new Pair<>("x", 1);
        System.out.println(p + " " + p.withSecond(2.5));
        System.out.println(max(Arrays.asList(3, 9, 2)) + " " + max(List.of("pear", "apple")));
        System.out.println(sum(List.of(1, 2.5, 3L)));
        Transformer<Integer> t = new Doubler();
        System.out.println(t.apply(21));
        List<? super Integer> sink = new ArrayList<Number>();
        sink.add(4);
        System.out.println(sink);
        Map<String, Map<String, List<Integer>>> deep = new TreeMap<>();
        deep.computeIfAbsent("a", k -> new TreeMap<>()).computeIfAbsent("b", k -> new ArrayList<>()).add(1);
        System.out.println(deep);
    }
}
