import java.lang.invoke.*;
import java.lang.reflect.*;
import java.util.*;
import java.util.function.*;

public class MethodHandles2 {
    interface Greeter {
        String greet(String name);
        default String hello() { return "hello " + greet("default"); }
    }

    static String twice(String s) { return s + s; }
    static int sum(int... xs) { int t = 0; for (int x : xs) t += x; return t; }
    static String describe(String label, Object... parts) { return label + Arrays.toString(parts); }
    static int scaled(int factor, int x) { return factor * x; }
    static long widen(long a, long b) { return a * 1000 + b; }

    public static void main(String[] args) throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();

        MethodHandle sum = lookup.findStatic(MethodHandles2.class, "sum", MethodType.methodType(int.class, int[].class));
        System.out.println(sum.isVarargsCollector() + " " + sum.type());
        System.out.println((int) sum.invoke() + " " + (int) sum.invoke(1) + " " + (int) sum.invoke(1, 2, 3) + " " + (int) sum.invoke(new int[] {4, 5}));
        System.out.println(sum.invokeWithArguments(1, 2, 3, 4));
        MethodHandle fixed = sum.asFixedArity();
        System.out.println(fixed.isVarargsCollector() + " " + (int) fixed.invokeExact(new int[] {7}));
        MethodHandle describe = lookup.findStatic(MethodHandles2.class, "describe", MethodType.methodType(String.class, String.class, Object[].class));
        System.out.println((String) describe.invoke("parts", 1, "two", 3.0) + " " + (String) describe.invoke("none"));

        MethodHandle sum3 = sum.asCollector(int[].class, 3);
        System.out.println(sum3.type() + " " + (int) sum3.invokeExact(10, 20, 30));
        MethodHandle twice = lookup.findStatic(MethodHandles2.class, "twice", MethodType.methodType(String.class, String.class));
        MethodHandle spread = twice.asSpreader(Object[].class, 1);
        System.out.println(spread.type() + " " + spread.invoke(new Object[] {"ab"}));
        try {
            spread.invoke(new Object[] {"a", "b"});
        } catch (IllegalArgumentException e) {
            System.out.println("IllegalArgumentException " + e.getMessage());
        }
        MethodHandle widen = lookup.findStatic(MethodHandles2.class, "widen", MethodType.methodType(long.class, long.class, long.class));
        System.out.println((long) widen.invoke(3, 4) + " " + widen.asSpreader(long[].class, 2).invoke(new long[] {5, 6}));
        MethodHandle again = fixed.asVarargsCollector(int[].class);
        System.out.println(again.isVarargsCollector() + " " + (int) again.invoke(2, 2));

        Function<String, String> f = MethodHandleProxies.asInterfaceInstance(Function.class, twice);
        System.out.println(f.apply("xy") + " " + MethodHandleProxies.isWrapperInstance(f));
        IntUnaryOperator triple = MethodHandleProxies.asInterfaceInstance(IntUnaryOperator.class,
                MethodHandles.insertArguments(lookup.findStatic(MethodHandles2.class, "scaled", MethodType.methodType(int.class, int.class, int.class)), 0, 3));
        System.out.println(triple.applyAsInt(14));

        CallSite site = LambdaMetafactory.metafactory(lookup, "apply", MethodType.methodType(Function.class),
                MethodType.methodType(Object.class, Object.class), twice, MethodType.methodType(String.class, String.class));
        @SuppressWarnings("unchecked")
        Function<String, String> viaFactory = (Function<String, String>) site.getTarget().invoke();
        System.out.println(viaFactory.apply("lm") + " " + site.type());
        MethodHandle scaled = lookup.findStatic(MethodHandles2.class, "scaled", MethodType.methodType(int.class, int.class, int.class));
        CallSite capturing = LambdaMetafactory.metafactory(lookup, "applyAsInt", MethodType.methodType(IntUnaryOperator.class, int.class),
                MethodType.methodType(int.class, int.class), scaled, MethodType.methodType(int.class, int.class));
        IntUnaryOperator times5 = (IntUnaryOperator) capturing.getTarget().invoke(5);
        IntUnaryOperator times7 = (IntUnaryOperator) capturing.getTarget().invoke(7);
        System.out.println(times5.applyAsInt(3) + " " + times7.applyAsInt(3) + " " + times5.andThen(times7).applyAsInt(1));
        MethodHandle length = lookup.findVirtual(String.class, "length", MethodType.methodType(int.class));
        CallSite viaAlt = LambdaMetafactory.altMetafactory(lookup, "applyAsInt", MethodType.methodType(ToIntFunction.class),
                MethodType.methodType(int.class, Object.class), length, MethodType.methodType(int.class, String.class), LambdaMetafactory.FLAG_SERIALIZABLE);
        @SuppressWarnings("unchecked")
        ToIntFunction<String> len = (ToIntFunction<String>) viaAlt.getTarget().invoke();
        System.out.println(len.applyAsInt("four") + " " + (len instanceof java.io.Serializable));

        Greeter g = (Greeter) Proxy.newProxyInstance(MethodHandles2.class.getClassLoader(), new Class<?>[] {Greeter.class},
                (proxy, method, margs) -> method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, margs) : "proxy:" + margs[0]);
        System.out.println(g.greet("direct") + " / " + g.hello());

        System.out.println(lookup.findClass("java.util.ArrayList").getSimpleName() + " " + lookup.lookupClass().getSimpleName()
                + " " + lookup.in(String.class).lookupClass().getSimpleName());
        MethodHandle getter = lookup.unreflectGetter(Integer.class.getDeclaredField("MAX_VALUE"));
        System.out.println((int) getter.invokeExact() + " " + getter.type());
        MethodHandle ctor = lookup.findConstructor(StringBuilder.class, MethodType.methodType(void.class, String.class));
        MethodHandle build = MethodHandles.filterReturnValue(ctor, lookup.findVirtual(StringBuilder.class, "reverse", MethodType.methodType(StringBuilder.class)));
        System.out.println(build.invoke("abc").toString());
        MethodHandle thrower = MethodHandles.throwException(void.class, IllegalStateException.class);
        try {
            thrower.invoke(new IllegalStateException("thrown by handle"));
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
        }
        MethodHandle arrayMaker = MethodHandles.arrayConstructor(String[].class);
        String[] made = (String[]) arrayMaker.invokeExact(3);
        System.out.println(made.length + " " + made.getClass().getSimpleName());
        MethodHandle inv = MethodHandles.invoker(MethodType.methodType(Object.class, Object.class));
        System.out.println(inv.invoke(twice, "gen"));
    }
}
