package corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntBinaryOperator;
import java.util.function.Supplier;
import java.util.stream.Collectors;

public class Lambdas {
    private final String prefix = "p";

    List<String> run(List<String> in) {
        int n = in.size();
        Function<String, String> f = s -> prefix + s + n;
        Supplier<List<String>> mk = ArrayList::new;
        BiFunction<String, Integer, Character> at = String::charAt;
        Function<Object, String> str = String::valueOf;
        IntBinaryOperator max = Math::max;
        Runnable r = () -> System.out.println(max.applyAsInt(1, 2));
        r.run();
        Function<String, Integer> len = this::measure;
        Supplier<int[]> arr = () -> new int[n];
        List<String> out = mk.get();
        in.stream().map(f).map(str).filter(s -> !s.isEmpty()).forEach(out::add);
        out.add(String.valueOf(at.apply("abc", 1)) + len.apply("x") + arr.get().length);
        return out.stream().sorted().collect(Collectors.toList());
    }

    private int measure(String s) {
        return s.length();
    }
}
