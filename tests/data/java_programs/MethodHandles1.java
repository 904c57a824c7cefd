import java.lang.invoke.*;
import java.lang.reflect.*;
import java.util.*;

public class MethodHandles1 {
    private int base = 10;
    public String name = "mh";
    static long counter = 5;

    static int add(int a, int b) { return a + b; }
    static long mul(long a, int b) { return a * b; }
    static double half(double d) { return d / 2; }
    static String join(String a, String b) { return a + "+" + b; }
    static boolean isEven(int x) { return x % 2 == 0; }
    static String even(int x) { return x + " is even"; }
    static String odd(int x) { return x + " is odd"; }
    static int fail(String s) { throw new IllegalStateException("failed " + s); }
    static int recover(IllegalStateException e, String s) { return s.length(); }
    static void log(List<String> out, String s) { out.add(s); }
    int plus(int x) { return base + x; }
    private String secret(String s) { return "secret " + s + base; }
    public MethodHandles1() {}
    public MethodHandles1(int base) { this.base = base; }

    interface Shape { double area(); }
    record Square(double side) implements Shape { public double area() { return side * side; } }
    record Circle(double r) implements Shape { public double area() { return 3 * r * r; } }

    public static void main(String[] args) throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle add = lookup.findStatic(MethodHandles1.class, "add", MethodType.methodType(int.class, int.class, int.class));
        System.out.println(add + " " + add.type() + " " + add.type().parameterCount());
        System.out.println((int) add.invokeExact(2, 3) + " " + add.invoke(4, 5) + " " + (long) add.invoke(6, 7)
                + " " + add.invoke(Integer.valueOf(1), (short) 2) + " " + add.invokeWithArguments(8, 9)
                + " " + add.invokeWithArguments(List.of(10, 11)));
        MethodHandle mul = lookup.findStatic(MethodHandles1.class, "mul", MethodType.methodType(long.class, long.class, int.class));
        System.out.println((long) mul.invokeExact(1L << 33, 3) + " " + mul.invoke(7, 6));
        MethodHandle half = lookup.findStatic(MethodHandles1.class, "half", MethodType.methodType(double.class, double.class));
        System.out.println((double) half.invokeExact(5.0) + " " + half.invoke(9));

        MethodHandle plus = lookup.findVirtual(MethodHandles1.class, "plus", MethodType.methodType(int.class, int.class));
        MethodHandles1 obj = new MethodHandles1(100);
        System.out.println(plus.type() + " " + (int) plus.invokeExact(obj, 1) + " " + plus.bindTo(obj).invoke(2));
        MethodHandle secret = lookup.findVirtual(MethodHandles1.class, "secret", MethodType.methodType(String.class, String.class));
        System.out.println((String) secret.invokeExact(new MethodHandles1(), "x"));
        MethodHandle length = lookup.findVirtual(String.class, "length", MethodType.methodType(int.class));
        MethodHandle concat = lookup.findVirtual(String.class, "concat", MethodType.methodType(String.class, String.class));
        System.out.println((int) length.invokeExact("hello") + " " + (String) concat.invokeExact("ab", "cd"));
        MethodHandle size = lookup.findVirtual(Collection.class, "size", MethodType.methodType(int.class));
        System.out.println((int) size.invoke(List.of(1, 2, 3)) + " " + size.invoke(new HashSet<>(Set.of("a"))));
        MethodHandle area = lookup.findVirtual(Shape.class, "area", MethodType.methodType(double.class));
        for (Shape s : new Shape[] {new Square(2), new Circle(1)}) System.out.print((double) area.invokeExact(s) + " ");
        System.out.println();

        MethodHandle ctor = lookup.findConstructor(ArrayList.class, MethodType.methodType(void.class));
        @SuppressWarnings("unchecked") List<String> list = (List<String>) ctor.invoke();
        list.add("x");
        MethodHandle ctor2 = lookup.findConstructor(MethodHandles1.class, MethodType.methodType(void.class, int.class));
        System.out.println(list + " " + ctor.type() + " " + ((MethodHandles1) ctor2.invoke(7)).base);
        MethodHandle sbNew = lookup.findConstructor(StringBuilder.class, MethodType.methodType(void.class, String.class));
        System.out.println(sbNew.invoke("sb").toString());

        MethodHandle getBase = lookup.findGetter(MethodHandles1.class, "base", int.class);
        MethodHandle setName = lookup.findSetter(MethodHandles1.class, "name", String.class);
        MethodHandle getCounter = lookup.findStaticGetter(MethodHandles1.class, "counter", long.class);
        MethodHandle setCounter = lookup.findStaticSetter(MethodHandles1.class, "counter", long.class);
        setName.invokeExact(obj, "renamed");
        setCounter.invokeExact(42L);
        System.out.println((int) getBase.invokeExact(obj) + " " + obj.name + " " + (long) getCounter.invokeExact() + " " + counter);

        Method m = MethodHandles1.class.getDeclaredMethod("join", String.class, String.class);
        MethodHandle join = lookup.unreflect(m);
        System.out.println((String) join.invokeExact("a", "b") + " " + lookup.unreflectGetter(MethodHandles1.class.getField("name")).invoke(obj));
        System.out.println(lookup.unreflectConstructor(MethodHandles1.class.getConstructor(int.class)).type());

        MethodHandle add10 = MethodHandles.insertArguments(add, 0, 10);
        System.out.println((int) add10.invokeExact(5) + " " + add10.type());
        MethodHandle joinX = MethodHandles.insertArguments(join, 1, "X");
        MethodHandle dropped = MethodHandles.dropArguments(joinX, 0, int.class, String.class);
        System.out.println((String) dropped.invokeExact(1, "ignored", "kept") + " " + dropped.type());
        MethodHandle lenOfJoin = MethodHandles.filterReturnValue(join, length);
        System.out.println((int) lenOfJoin.invokeExact("abc", "de"));
        MethodHandle upper = lookup.findVirtual(String.class, "toUpperCase", MethodType.methodType(String.class));
        MethodHandle joinUpper = MethodHandles.filterArguments(join, 1, upper);
        System.out.println((String) joinUpper.invokeExact("lo", "hi"));
        MethodHandle test = lookup.findStatic(MethodHandles1.class, "isEven", MethodType.methodType(boolean.class, int.class));
        MethodHandle evenH = lookup.findStatic(MethodHandles1.class, "even", MethodType.methodType(String.class, int.class));
        MethodHandle oddH = lookup.findStatic(MethodHandles1.class, "odd", MethodType.methodType(String.class, int.class));
        MethodHandle parity = MethodHandles.guardWithTest(test, evenH, oddH);
        System.out.println((String) parity.invokeExact(4) + ", " + (String) parity.invokeExact(7));
        MethodHandle swapped = MethodHandles.permuteArguments(join, MethodType.methodType(String.class, String.class, String.class), 1, 0);
        System.out.println((String) swapped.invokeExact("first", "second"));
        MethodHandle k = MethodHandles.constant(String.class, "const");
        MethodHandle id = MethodHandles.identity(int.class);
        System.out.println((String) k.invokeExact() + " " + (int) id.invokeExact(99));
        MethodHandle failH = lookup.findStatic(MethodHandles1.class, "fail", MethodType.methodType(int.class, String.class));
        MethodHandle recoverH = lookup.findStatic(MethodHandles1.class, "recover", MethodType.methodType(int.class, IllegalStateException.class, String.class));
        MethodHandle safe = MethodHandles.catchException(failH, IllegalStateException.class, recoverH);
        System.out.println((int) safe.invokeExact("four"));
        try {
            int r = (int) failH.invokeExact("x");
        } catch (IllegalStateException e) {
            System.out.println("caught " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        MethodHandle log = lookup.findStatic(MethodHandles1.class, "log", MethodType.methodType(void.class, List.class, String.class));
        MethodHandle folded = MethodHandles.foldArguments(MethodHandles.dropArguments(length, 1, List.class), 
                MethodHandles.permuteArguments(log, MethodType.methodType(void.class, String.class, List.class), 1, 0));
        System.out.println((int) folded.invokeExact("logged", (List) out) + " " + out);
        MethodHandle getter = MethodHandles.arrayElementGetter(int[].class);
        MethodHandle setter = MethodHandles.arrayElementSetter(String[].class);
        int[] ints = {3, 4, 5};
        String[] strs = new String[2];
        setter.invokeExact(strs, 1, "set");
        System.out.println((int) getter.invokeExact(ints, 2) + " " + Arrays.toString(strs)
                + " " + (int) MethodHandles.arrayLength(int[].class).invokeExact(ints));
        MethodHandle asObj = add.asType(MethodType.methodType(Object.class, Object.class, Object.class));
        System.out.println(asObj.type() + " " + asObj.invokeExact((Object) 20, (Object) 22));
        MethodHandle inv = MethodHandles.exactInvoker(MethodType.methodType(int.class, int.class, int.class));
        System.out.println((int) inv.invokeExact(add, 1, 1));

        try {
            lookup.findStatic(MethodHandles1.class, "nope", MethodType.methodType(void.class));
        } catch (NoSuchMethodException e) {
            System.out.println(e.getMessage());
        }
        try {
            lookup.findVirtual(MethodHandles1.class, "add", MethodType.methodType(int.class, int.class, int.class));
        } catch (IllegalAccessException e) {
            System.out.println(e.getMessage());
        }
        try {
            lookup.findGetter(MethodHandles1.class, "missing", int.class);
        } catch (NoSuchFieldException e) {
            System.out.println(e.getMessage());
        }
        try {
            Object o = add.invokeExact(1, 2);
        } catch (WrongMethodTypeException e) {
            System.out.println("WrongMethodTypeException " + e.getMessage());
        }
        try {
            String s = (String) add.invoke(1, 2);
        } catch (WrongMethodTypeException e) {
            System.out.println("WrongMethodTypeException " + e.getMessage());
        }
        try {
            Object o = join.invoke(1, "b");
        } catch (WrongMethodTypeException e) {
            System.out.println("WrongMethodTypeException " + e.getMessage());
        }
        try {
            Object o = join.invoke((Object) Integer.valueOf(1), "b");
        } catch (ClassCastException e) {
            System.out.println("ClassCastException");
        }
        try {
            Object o = add.invoke((Object) null, 1);
        } catch (NullPointerException e) {
            System.out.println("NullPointerException");
        }
    }
}
