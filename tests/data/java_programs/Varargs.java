public class Varargs {
    static int sum(int... xs) { int s = 0; for (int x : xs) s += x; return s; }
    static String join(String sep, Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) { if (i > 0) sb.append(sep); sb.append(parts[i]); }
        return sb.toString() + " (" + parts.length + ")";
    }
    static String which(Object o) { return "object"; }
    static String which(Object... o) { return "varargs"; }
    public static void main(String[] args) {
        System.out.println(sum() + " " + sum(1) + " " + sum(1, 2, 3) + " " + sum(new int[]{4, 5}));
        System.out.println(join("-", "a", 1, 2.5, 'c', null));
        System.out.println(join(","));
        System.out.println(which("x") + " " + which("x", "y"));
        System.out.println(String.format("%s %s %s", 1, "two", 3.0));
        System.out.println(java.util.Arrays.asList(1, 2, 3));
    }
}
