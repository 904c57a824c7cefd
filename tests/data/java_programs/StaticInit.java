public class StaticInit {
    static class A {
        static { System.out.println("A init"); }
        static int a = value("A.a");
        static final int CONST = 7;
        static void touch() { System.out.println("A.touch"); }
    }
    static class B extends A {
        static { System.out.println("B init"); }
        static int b = value("B.b");
    }
    static class C {
        static final String S = "constant string";
        static final Object O = new Object();
        static { System.out.println("C init"); }
    }
    interface I {
        int X = value("I.X");
        default void m() {}
    }
    static class D implements I {
        static { System.out.println("D init"); }
    }
    static class Bad {
        static int v = 1 / Integer.parseInt("0");
    }
    static int value(String what) {
        System.out.println("init " + what);
        return 1;
    }
    static { System.out.println("StaticInit init"); }
    public static void main(String[] args) {
        System.out.println("main starts");
        System.out.println(A.CONST);
        System.out.println(C.S);
        System.out.println(B.b);
        A.touch();
        new D();
        System.out.println(C.O != null);
        B[] arr = new B[3];
        System.out.println(arr.length);
        try {
            System.out.println(Bad.v);
        } catch (ExceptionInInitializerError e) {
            System.out.println("EIIE " + e.getCause());
        }
        try {
            System.out.println(Bad.v);
        } catch (NoClassDefFoundError e) {
            System.out.println("NCDFE " + e.getMessage());
        }
    }
}
