package corpus;

public class Switches {
    enum Color { RED, GREEN, BLUE }

    static int table(int k) {
        switch (k) {
            case 0: return 10;
            case 1: return 11;
            case 2: return 12;
            case 4: return 14;
            case -1: return 9;
            default: return -1;
        }
    }

    static int lookup(int k) {
        switch (k) {
            case -2147483648: return 1;
            case 100: return 2;
            case 1000000: return 3;
            case 2147483647: return 4;
            default: return 0;
        }
    }

    static int strings(String s) {
        switch (s) {
            case "alpha": return 1;
            case "beta": return 2;
            case "Aa": return 3;
            case "BB": return 4;
            default: return 0;
        }
    }

    static String enums(Color c) {
        switch (c) {
            case RED: return "r";
            case GREEN: return "g";
            default: return "b";
        }
    }

    static int expression(Object o, char ch) {
        int v = switch (ch) {
            case 'a', 'b' -> 1;
            case 'z' -> {
                int t = ch * 2;
                yield t;
            }
            default -> 0;
        };
        return v + switch (o.hashCode() & 3) { case 0 -> 5; case 3 -> 7; default -> 9; };
    }

    static int empty(int k) {
        switch (k) {
            default:
        }
        switch (k) {
            case 7:
                k++;
        }
        return k;
    }
}
