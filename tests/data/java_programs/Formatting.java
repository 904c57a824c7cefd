import java.util.*;

public class Formatting {
    public static void main(String[] args) {
        System.out.println(String.format("%d|%5d|%-5d|%05d|%+d|%,d|%x|%X|%o|%08.3f", 42, 42, 42, 42, 42, 1234567, 255, 255, 8, 3.14159));
        System.out.println(String.format("%s|%10s|%-10s|%.2s|%S", "str", "right", "left", "truncate", "upper"));
        System.out.println(String.format("%.0f|%.1f|%.3f|%e|%.2e|%g|%a", 2.5, 0.05, 1.0005, 12345.678, 0.000123, 0.0001234, 1.0));
        System.out.println(String.format("%c|%b|%b|%h|%%|%n", 'x', null, "x", "hi").trim());
        System.out.println(String.format("%1$s %1$s %2$s", "a", "b") + " " + String.format("%3$s %2$s %1$s", 1, 2, 3));
        System.out.println(String.format("%10.4f|%-10.2f|%(.2f|% d", Math.E, -1.5, -3.25, 5));
        System.out.printf("%s has %d items costing %.2f%n", "cart", 3, 19.999);
        System.out.println(String.format("%,.2f", 1234567.891) + " " + String.format("%x", -1) + " " + String.format("%x", -1L));
        System.out.println(String.format("%.3f %.3f %.1f", Double.NaN, Double.POSITIVE_INFINITY, -0.0));
        StringBuilder sb = new StringBuilder();
        Formatter fm = new Formatter(sb);
        fm.format("%-4s|", "ab").format("%4s|", "cd");
        System.out.println(sb);
        System.out.println(String.format("%tY", new GregorianCalendar(2020, 0, 15)).length());
        System.out.println(Integer.toString(255, 2) + " " + Long.toString(-255L, 16) + " " + Double.toString(0.1 + 0.2));
    }
}
