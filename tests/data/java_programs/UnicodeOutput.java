public class UnicodeOutput {
    public static void main(String[] args) {
        System.out.println("Grüße, 世界! ☕ 🚀 ñ");
        String s = "naïve café";
        System.out.println(s.length() + " " + s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " " + s.toUpperCase());
        StringBuilder sb = new StringBuilder();
        for (int cp = 0x3b1; cp < 0x3b1 + 10; cp++) sb.appendCodePoint(cp);
        System.out.println(sb + " " + sb.reverse());
        System.out.println("🚀".length() + " " + "🚀".codePoints().count() + " " + new StringBuilder("a🚀b").reverse());
        System.err.println("stderr: ünïcode ✓");
        char c = '\u00e9';
        System.out.println(c + " " + (int) c + " " + Character.isLetter(c));
    }
}
