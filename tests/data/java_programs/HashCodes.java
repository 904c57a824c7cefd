import java.util.*;

public class HashCodes {
    static class Key {
        final int a; final String b;
        Key(int a, String b) { this.a = a; this.b = b; }
        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.a == a && Objects.equals(k.b, b);
        }
        @Override public int hashCode() { return Objects.hash(a, b); }
    }
    public static void main(String[] args) {
        System.out.println("abc".hashCode() + " " + "The quick brown fox".hashCode());
        System.out.println(List.of(1, 2, 3).hashCode() + " " + Set.of(5).hashCode() + " " + Map.of("a", 1).hashCode());
        System.out.println(Objects.hash(1, "x", 2.5) + " " + Arrays.hashCode(new long[]{1L << 40}) + " " + Boolean.hashCode(false));
        System.out.println(Double.hashCode(-0.0) + " " + Float.hashCode(1.5f) + " " + Long.hashCode(-1L) + " " + Objects.hashCode(null));
        Map<Key, String> m = new HashMap<>();
        m.put(new Key(1, "a"), "first");
        m.put(new Key(1, "a"), "second");
        m.put(new Key(2, null), "third");
        System.out.println(m.size() + " " + m.get(new Key(1, "a")) + " " + m.get(new Key(2, null)));
        Map<String, Integer> big = new HashMap<>();
        for (int i = 0; i < 1000; i++) big.put("k" + i, i);
        long sum = 0;
        for (Map.Entry<String, Integer> e : big.entrySet()) sum += e.getValue() * (long) e.getKey().length();
        System.out.println(big.size() + " " + sum + " " + big.get("k500"));
        System.out.println(new ArrayList<>(big.keySet()).subList(0, 8));
    }
}
