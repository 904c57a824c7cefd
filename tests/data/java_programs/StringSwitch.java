public class StringSwitch {
    static String kind(String s) {
        switch (s) {
            case "apple": case "pear": return "fruit";
            case "carrot": return "vegetable";
            case "Aa": return "Aa";
            case "BB": return "BB (same hash as Aa)";
            default: return "unknown";
        }
    }
    static int days(String month) {
        return switch (month) {
            case "feb" -> 28;
            case "apr", "jun", "sep", "nov" -> 30;
            default -> {
                int d = 31;
                yield d;
            }
        };
    }
    public static void main(String[] args) {
        for (String s : new String[]{"apple", "pear", "carrot", "Aa", "BB", "kiwi"}) System.out.println(s + " " + kind(s));
        System.out.println(days("feb") + " " + days("jun") + " " + days("jan"));
        int n = 3;
        switch (n) {
            case 1: System.out.println("one");
            case 3: System.out.println("three");
            case 4: System.out.println("four (fallthrough)"); break;
            case 5: System.out.println("five");
        }
        for (int k = -2; k < 1000; k += 250) {
            switch (k) {
                case -2 -> System.out.println("minus two");
                case 248 -> System.out.println("248");
                case 998 -> System.out.println("998");
                default -> System.out.println("other " + k);
            }
        }
        char c = 'x';
        switch (c) { case 'x' -> System.out.println("char x"); default -> System.out.println("?"); }
    }
}
