public class UncaughtCause {
    static void parse(String s) {
        try {
            Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new RuntimeException("wrapped", e);
        }
    }
    public static void main(String[] args) {
        parse("12x");
    }
}
