import java.util.*;
import java.util.function.*;

public class IteratorsCustom {
    static class Range implements Iterable<Integer> {
        final int lo, hi, step;
        Range(int lo, int hi, int step) { this.lo = lo; this.hi = hi; this.step = step; }
        public Iterator<Integer> iterator() {
            return new Iterator<>() {
                int cur = lo;
                public boolean hasNext() { return cur < hi; }
                public Integer next() {
                    if (!hasNext()) throw new NoSuchElementException("range exhausted");
                    int v = cur; cur += step; return v;
                }
            };
        }
    }
    static <T, R> List<R> mapAll(Iterable<T> src, Function<? super T, ? extends R> f) {
        List<R> out = new ArrayList<>();
        for (T t : src) out.add(f.apply(t));
        return out;
    }
    public static void main(String[] args) {
        Range r = new Range(0, 20, 3);
        for (int v : r) System.out.print(v + " ");
        System.out.println();
        System.out.println(mapAll(r, v -> v * v));
        Iterator<Integer> it = new Range(0, 1, 1).iterator();
        it.next();
        try {
            it.next();
        } catch (NoSuchElementException e) {
            System.out.println(e.getMessage());
        }
        ListIterator<String> li = new ArrayList<>(List.of("a", "b", "c")).listIterator();
        while (li.hasNext()) { String s = li.next(); li.set(s.toUpperCase()); if (s.equals("b")) li.add("b2"); }
        while (li.hasPrevious()) System.out.print(li.previous());
        System.out.println();
        Spliterator<Integer> sp = List.of(1, 2, 3, 4).spliterator();
        sp.tryAdvance(x -> System.out.println("first " + x));
        sp.forEachRemaining(x -> System.out.print(x));
        System.out.println();
        Map<String, Integer> m = new TreeMap<>(Map.of("x", 1, "y", 2, "z", 3));
        m.entrySet().removeIf(e -> e.getValue() == 2);
        m.replaceAll((k, v) -> v * 100);
        System.out.println(m);
    }
}
