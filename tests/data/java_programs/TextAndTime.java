import java.text.*;
import java.time.*;
import java.util.*;

public class TextAndTime {
    public static void main(String[] args) {
        System.out.println(new DecimalFormat("#,##0.00").format(1234567.891) + " " + new DecimalFormat("0.###E0").format(0.000123456));
        System.out.println(NumberFormat.getPercentInstance(Locale.US).format(0.256) + " " + NumberFormat.getIntegerInstance(Locale.US).format(9876543));
        System.out.println(MessageFormat.format("{0} has {1} items at {2}", "cart", 3, 4.5));
        System.out.println(new ChoiceFormat("0#none|1#one|1<many").format(5));
        LocalDate d = LocalDate.of(2024, 2, 28);
        System.out.println(d.plusDays(2) + " " + d.getDayOfWeek() + " " + d.isLeapYear() + " " + d.lengthOfMonth());
        System.out.println(Duration.ofMinutes(135) + " " + Period.between(LocalDate.of(2000, 1, 15), d));
        LocalDateTime dt = LocalDateTime.of(2021, 12, 31, 23, 59, 30).plusSeconds(45);
        System.out.println(dt + " " + dt.getDayOfYear());
        System.out.println(String.format(Locale.US, "%,.3f|%08.2f|%s", 9876.54321, -3.14159, Locale.US));
    }
}
