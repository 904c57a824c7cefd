package corpus;

import java.io.IOException;
import java.io.StringReader;

public class Exceptions {
    static int tryCatch(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        } catch (IllegalStateException | UnsupportedOperationException e) {
            return -2;
        } finally {
            System.out.println("done");
        }
    }

    static int nested(int[] a) throws IOException {
        try (StringReader r = new StringReader("x"); StringReader r2 = new StringReader("y")) {
            try {
                return r.read() + r2.read() + a[3];
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new IOException("wrapped", e);
            }
        }
    }

    static void sync(Object o) {
        synchronized (o) {
            if (o.hashCode() == 0) {
                throw new IllegalArgumentException();
            }
        }
    }

    static <E extends Exception> void sneaky(Exception e) throws E {
        @SuppressWarnings("unchecked") E x = (E) e;
        throw x;
    }
}
