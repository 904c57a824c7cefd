package corpus;

import java.util.List;

public record Records<T extends Comparable<T>>(String name, int count, List<T> items) implements Comparable<Records<T>> {
    public static final String KIND = "record";

    public Records {
        if (count < 0) {
            throw new IllegalArgumentException("count");
        }
    }

    public Records(String name) {
        this(name, 0, List.of());
    }

    @Override
    public int compareTo(Records<T> o) {
        return Integer.compare(count, o.count);
    }

    record Point(double x, double y) { }
}
