import java.util.HashMap;

public class HashMapWork {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
        HashMap<Integer, Integer> m = new HashMap<>();
        for (int i = 0; i < n; i++) m.merge(i % 1000, i, Integer::sum);
        long t = 0;
        for (int i = 0; i < n; i++) t += m.getOrDefault(i % 1500, 0);
        System.out.println(m.size() + " " + t);
    }
}
