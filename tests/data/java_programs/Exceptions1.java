import java.io.*;

public class Exceptions1 {
    static class MyException extends Exception {
        final int code;
        MyException(String m, int code) { super(m); this.code = code; }
    }
    static class Res implements AutoCloseable {
        final String name;
        Res(String n) { name = n; System.out.println("open " + n); }
        public void close() throws IOException {
            System.out.println("close " + name);
            if (name.equals("bad")) throw new IOException("close failed");
        }
    }
    static int finallyReturn() {
        try {
            return 1;
        } finally {
            System.out.println("finally runs before return");
        }
    }
    @SuppressWarnings("finally")
    static int finallyOverride() {
        try {
            throw new RuntimeException("lost");
        } finally {
            return 2;
        }
    }
    static void thrower(int k) throws MyException {
        if (k > 2) throw new MyException("too big: " + k, k);
    }
    public static void main(String[] args) {
        try {
            thrower(1);
            thrower(5);
            System.out.println("not reached");
        } catch (MyException e) {
            System.out.println(e.getMessage() + " " + e.code + " " + e);
        } finally {
            System.out.println("finally 1");
        }
        System.out.println(finallyReturn() + " " + finallyOverride());
        try {
            Object o = "s";
            Integer i = (Integer) o;
        } catch (ClassCastException | IllegalStateException e) {
            System.out.println("multi " + e.getClass().getName());
        }
        try (Res a = new Res("a"); Res b = new Res("bad")) {
            System.out.println("body");
            throw new IllegalStateException("in body");
        } catch (Exception e) {
            System.out.println(e + " suppressed=" + e.getSuppressed().length + " " + e.getSuppressed()[0]);
        }
        try {
            try {
                throw new IllegalArgumentException("inner");
            } catch (IllegalArgumentException e) {
                throw new RuntimeException("outer", e);
            }
        } catch (RuntimeException e) {
            System.out.println(e.getMessage() + " caused by " + e.getCause());
        }
        int[] counts = new int[3];
        for (int i = 0; i < 9; i++) {
            try {
                if (i % 3 == 0) throw new ArithmeticException();
                if (i % 3 == 1) throw new UnsupportedOperationException();
                counts[2]++;
            } catch (ArithmeticException e) {
                counts[0]++;
            } catch (RuntimeException e) {
                counts[1]++;
            }
        }
        System.out.println(counts[0] + " " + counts[1] + " " + counts[2]);
        try {
            System.out.println(10 / (args.length));
        } catch (ArithmeticException e) {
            System.out.println(e);
        }
        try {
            throw new Error("custom error");
        } catch (Throwable t) {
            System.out.println(t + " " + (t instanceof Exception));
        }
        StackTraceElement[] st = new Throwable().getStackTrace();
        System.out.println(st[0].getMethodName() + " " + st[0].getClassName() + " " + st[0].getLineNumber());
        System.out.println(new Exception("msg").toString() + " " + new Exception().getMessage());
    }
}
