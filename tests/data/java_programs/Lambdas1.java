import java.util.*;
import java.util.function.*;

public class Lambdas1 {
    interface TriFunction<A, B, C, R> { R apply(A a, B b, C c); }
    static int twice(IntUnaryOperator f, int x) { return f.applyAsInt(f.applyAsInt(x)); }
    int base = 10;
    Supplier<Integer> adder(int k) { return () -> base + k; }
    public static void main(String[] args) {
        Function<Integer, Integer> sq = x -> x * x;
        BiFunction<Integer, Integer, Integer> add = Integer::sum;
        Supplier<List<String>> mk = ArrayList::new;
        Function<String, Integer> len = String::length;
        UnaryOperator<String> up = String::toUpperCase;
        Predicate<String> empty = String::isEmpty;
        TriFunction<Integer, Integer, Integer, Integer> t = (a, b, c) -> a * b + c;
        System.out.println(sq.apply(7) + " " + add.apply(2, 3) + " " + len.apply("four") + " " + up.apply("up") + " " + empty.negate().test(""));
        System.out.println(sq.andThen(x -> x + 1).compose((Integer x) -> x * 2).apply(3) + " " + t.apply(2, 3, 4));
        System.out.println(twice(x -> x + 5, 1) + " " + new Lambdas1().adder(5).get());
        List<String> l = mk.get();
        l.add("b"); l.add("a"); l.add("c");
        l.sort(Comparator.naturalOrder());
        System.out.println(l);
        l.sort(Comparator.comparing(String::toString).reversed());
        System.out.println(l);
        int[] counter = {0};
        Runnable r = () -> counter[0]++;
        for (int i = 0; i < 5; i++) r.run();
        System.out.println(counter[0]);
        BinaryOperator<Long> mul = (a, b) -> a * b;
        System.out.println(mul.apply(6L, 7L));
        ToDoubleFunction<String> td = Double::parseDouble;
        DoubleUnaryOperator half = d -> d / 2;
        System.out.println(half.applyAsDouble(td.applyAsDouble("5")));
        Function<Integer, int[]> arr = int[]::new;
        System.out.println(arr.apply(4).length);
        Consumer<String> printer = System.out::println;
        printer.accept("method ref to instance");
        Optional<String> o = Optional.of("x").map(s -> s + "y").filter(s -> s.length() == 2);
        System.out.println(o.orElse("none") + " " + Optional.empty().isPresent());
        Map<String, Integer> counts = new TreeMap<>();
        for (String w : "a b a c b a".split(" ")) counts.merge(w, 1, Integer::sum);
        counts.forEach((k, v) -> System.out.println(k + "=" + v));
        LongSupplier ls = () -> Long.MAX_VALUE;
        IntBinaryOperator ib = Math::max;
        System.out.println(ls.getAsLong() + " " + ib.applyAsInt(3, 9));
    }
}
