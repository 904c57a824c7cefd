public class StringBuilding {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) { sb.append(i % 10).append(','); if (sb.length() > 1000) sb.setLength(0); }
        String s = "";
        for (int i = 0; i < n / 20; i++) s = "x" + i + s.substring(0, Math.min(s.length(), 50));
        System.out.println(sb.length() + " " + s.length());
    }
}
