import java.util.*;

public class ScannerInput {
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        long total = 0;
        List<Integer> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) { int v = sc.nextInt(); xs.add(v); total += v; }
        sc.nextLine();
        String line = sc.nextLine();
        double d = sc.nextDouble();
        String word = sc.next();
        System.out.println("n=" + n + " total=" + total + " max=" + Collections.max(xs));
        System.out.println("line=[" + line + "] d=" + d + " word=" + word);
        while (sc.hasNextLine()) {
            String l = sc.nextLine();
            if (!l.isEmpty()) System.out.println("rest: " + l.toUpperCase());
        }
    }
}
