import java.util.*;
import java.util.stream.*;

public class WordFrequency {
    static final String TEXT = """
        It was the best of times, it was the worst of times, it was the age of wisdom,
        it was the age of foolishness, it was the epoch of belief, it was the epoch of
        incredulity, it was the season of Light, it was the season of Darkness, it was
        the spring of hope, it was the winter of despair, we had everything before us,
        we had nothing before us, we were all going direct to Heaven, we were all going
        direct the other way.
        """;
    public static void main(String[] args) {
        List<String> words = Arrays.stream(TEXT.toLowerCase().split("[^a-z]+"))
            .filter(w -> !w.isEmpty()).collect(Collectors.toList());
        System.out.println("words: " + words.size() + ", distinct: " + new HashSet<>(words).size());
        Map<String, Long> freq = words.stream().collect(Collectors.groupingBy(w -> w, Collectors.counting()));
        freq.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(8)
            .forEach(e -> System.out.printf("%-8s %2d %s%n", e.getKey(), e.getValue(), "*".repeat(e.getValue().intValue())));
        Map<Character, List<String>> byInitial = new TreeMap<>();
        for (String w : new TreeSet<>(words)) byInitial.computeIfAbsent(w.charAt(0), k -> new ArrayList<>()).add(w);
        byInitial.forEach((k, v) -> System.out.println(k + ": " + String.join(",", v)));
        String longest = words.stream().max(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder())).orElse("");
        System.out.println("longest: " + longest);
        double avg = words.stream().mapToInt(String::length).average().orElse(0);
        System.out.printf("average length: %.3f%n", avg);
        StringBuilder acronym = new StringBuilder();
        for (String line : TEXT.strip().split("\n")) acronym.append(Character.toUpperCase(line.strip().charAt(0)));
        System.out.println("acronym: " + acronym);
        String reversed = Arrays.stream(TEXT.strip().split("\\s+")).limit(6).map(w -> new StringBuilder(w).reverse().toString()).collect(Collectors.joining(" "));
        System.out.println(reversed);
    }
}
