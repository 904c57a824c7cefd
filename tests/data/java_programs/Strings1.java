public class Strings1 {
    public static void main(String[] args) {
        String s = "Hello, World";
        System.out.println(s.length() + " " + s.charAt(4) + " " + s.indexOf('o') + " " + s.lastIndexOf("o"));
        System.out.println(s.substring(7) + "|" + s.substring(0, 5) + "|" + s.toUpperCase() + "|" + s.toLowerCase());
        System.out.println(s.replace('l', 'L') + " " + s.replace("World", "There") + " " + s.contains("lo, "));
        System.out.println(String.join("-", s.split(", ")) + " " + s.startsWith("Hell") + " " + s.endsWith("d"));
        System.out.println("  trim me ".trim() + "|" + " strip ".strip() + "|" + "abc".repeat(3) + "|" + "".isEmpty() + " " + "  ".isBlank());
        System.out.println("apple".compareTo("banana") + " " + "b".compareTo("a") + " " + "abc".equalsIgnoreCase("ABC"));
        System.out.println(String.valueOf(3.5) + String.valueOf(true) + String.valueOf('c') + String.valueOf(42L));
        System.out.println("a,b,,c,".split(",").length + " " + "x1y2z3".replaceAll("[0-9]", "#") + " " + "a-b-c".matches("[a-c-]+"));
        System.out.println("hello".hashCode() + " " + "".hashCode() + " " + "Ünïcödé".hashCode());
        System.out.println("Ünïcödé ☃ 日本語 😀".length() + " Ünïcödé ☃ 日本語 😀");
        System.out.println("😀".codePointAt(0) + " " + "😀".codePointCount(0, 2) + " " + Character.charCount(128512));
        StringBuilder sb = new StringBuilder("abc");
        sb.insert(0, "x").append(1).append(2.0).append('z').reverse();
        System.out.println(sb + " " + sb.length() + " " + sb.indexOf("c"));
        sb.setLength(3);
        sb.deleteCharAt(0).setCharAt(0, 'Q');
        System.out.println(sb);
        String a = "hel" + "lo";
        String b = "hello";
        String c = new String("hello");
        System.out.println((a == b) + " " + (b == c) + " " + (b == c.intern()) + " " + b.equals(c));
        System.out.println(String.format("[%5s][%-5s][%05d][%x][%c][%b][%.2e][%,d]", "ab", "cd", 42, 255, 'q', true, 12345.678, 1234567));
        System.out.println("tab\there \"quoted\" back\\slash");
        char[] chars = {'d', 'a', 'c', 'b'};
        java.util.Arrays.sort(chars);
        System.out.println(new String(chars) + " " + String.valueOf(chars, 1, 2));
        System.out.println("Mississippi".chars().filter(ch -> ch == 's').count() + " " + "a b  c".split(" +").length);
        System.out.println("%d items".formatted(3) + " " + "line1\nline2".lines().count() + " " + "abc".indexOf("z"));
    }
}
