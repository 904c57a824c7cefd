import java.util.*;
import java.util.stream.*;

public class Streams1 {
    public static void main(String[] args) {
        List<String> words = List.of("delta", "alpha", "charlie", "bravo", "echo", "alpha");
        System.out.println(words.stream().distinct().sorted().collect(Collectors.toList()));
        System.out.println(words.stream().map(String::length).reduce(0, Integer::sum));
        Map<Integer, Long> byLen = words.stream().collect(Collectors.groupingBy(String::length, TreeMap::new, Collectors.counting()));
        System.out.println(byLen);
        System.out.println(words.stream().collect(Collectors.joining(", ", "[", "]")));
        System.out.println(IntStream.rangeClosed(1, 10).filter(i -> i % 2 == 1).boxed().collect(Collectors.toList()));
        System.out.println(IntStream.range(0, 5).mapToObj(i -> "x" + i).collect(Collectors.joining()));
        System.out.println(IntStream.of(3, 1, 4, 1, 5, 9, 2, 6).summaryStatistics());
        System.out.println(Stream.iterate(1, x -> x * 2).limit(10).collect(Collectors.toList()));
        System.out.println(words.stream().anyMatch(w -> w.startsWith("e")) + " " + words.stream().allMatch(w -> w.length() > 3) + " " + words.stream().noneMatch(String::isEmpty));
        System.out.println(words.stream().filter(w -> w.contains("a")).count() + " " + words.stream().max(Comparator.naturalOrder()).get());
        System.out.println(DoubleStream.of(1.5, 2.5, 3.0).average().getAsDouble() + " " + LongStream.range(1, 21).reduce(1, (a, b) -> a * b));
        Map<Boolean, List<Integer>> parts = IntStream.range(0, 10).boxed().collect(Collectors.partitioningBy(i -> i > 6));
        System.out.println(parts);
        Map<String, Integer> lens = Stream.of("a", "bb", "ccc").collect(Collectors.toMap(s -> s, String::length, (a, b) -> a, LinkedHashMap::new));
        System.out.println(lens);
        List<List<Integer>> nested = List.of(List.of(1, 2), List.of(3), List.of());
        System.out.println(nested.stream().flatMap(List::stream).map(i -> i * 10).collect(Collectors.toList()));
        System.out.println(Arrays.stream(new int[]{5, 2, 8}).map(i -> i * i).sorted().boxed().map(String::valueOf).collect(Collectors.joining("+")));
        System.out.println(Stream.of("x", "y", "z").skip(1).findFirst().orElse("?") + " " + Stream.of(1, 2, 3, 4).takeWhile(i -> i < 3).toList());
    }
}
