package corpus;

import java.util.Comparator;
import java.util.Iterator;

public class Nested {
    private int secret = 42;

    class Inner {
        int peek() { return secret; }
    }

    static class StaticNested {
        private static String hidden() { return "h"; }
        protected void shown() { }
    }

    Comparator<String> anonymous() {
        return new Comparator<String>() {
            @Override
            public int compare(String a, String b) {
                return a.length() - b.length() + secret;
            }
        };
    }

    Iterator<Integer> local(int limit) {
        class Counter implements Iterator<Integer> {
            int n;
            public boolean hasNext() { return n < limit; }
            public Integer next() { return n++; }
        }
        return new Counter();
    }

    private interface Hidden { }
}
