import java.util.*;

public class Recursion {
    static int moves = 0;
    static void hanoi(int n, char from, char to, char via, StringBuilder log) {
        if (n == 0) return;
        hanoi(n - 1, from, via, to, log);
        moves++;
        if (n == 3) log.append(from).append("->").append(to).append(' ');
        hanoi(n - 1, via, to, from, log);
    }
    static long ackermann(long m, long n) {
        if (m == 0) return n + 1;
        if (n == 0) return ackermann(m - 1, 1);
        return ackermann(m - 1, ackermann(m, n - 1));
    }
    static void permute(String prefix, String rest, List<String> out) {
        if (rest.isEmpty()) { out.add(prefix); return; }
        for (int i = 0; i < rest.length(); i++) permute(prefix + rest.charAt(i), rest.substring(0, i) + rest.substring(i + 1), out);
    }
    static Map<Integer, Long> memo = new HashMap<>();
    static long fibMemo(int n) {
        if (n < 2) return n;
        Long cached = memo.get(n);
        if (cached != null) return cached;
        long v = fibMemo(n - 1) + fibMemo(n - 2);
        memo.put(n, v);
        return v;
    }
    static int depth(int n) { return n == 0 ? 0 : 1 + depth(n - 1); }
    public static void main(String[] args) {
        StringBuilder log = new StringBuilder();
        hanoi(8, 'A', 'C', 'B', log);
        System.out.println(moves + " " + log.toString().trim().split(" ").length);
        System.out.println(ackermann(2, 3) + " " + ackermann(3, 3));
        List<String> perms = new ArrayList<>();
        permute("", "abcd", perms);
        System.out.println(perms.size() + " " + perms.subList(0, 6));
        System.out.println(fibMemo(90));
        System.out.println(depth(3000));
    }
}
