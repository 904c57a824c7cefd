import java.lang.annotation.*;
import java.lang.reflect.*;
import java.util.*;

public class Annotations1 {
    enum Level { LOW, HIGH }

    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER})
    @interface Info {
        String value();
        int priority() default 1;
        String[] tags() default {};
        Level level() default Level.LOW;
        Class<?> kind() default Object.class;
        double weight() default 0.5;
        long big() default 1L << 40;
        char letter() default 'x';
    }

    @Retention(RetentionPolicy.RUNTIME) @interface Marker {}
    @interface Invisible {}
    @Retention(RetentionPolicy.RUNTIME) @interface Pair { Info first(); Info second(); }
    @Retention(RetentionPolicy.RUNTIME) @Inherited @interface Inheritable { String value(); }

    @Info(value = "service", priority = 3, tags = {"a", "b"}, level = Level.HIGH, kind = String.class)
    @Inheritable("base") @Invisible
    static class Service {
        @Info("field") public int count;
        @Marker @Info("run") public void run() {}
        public void plain() {}
        @Pair(first = @Info("one"), second = @Info(value = "two", priority = 2))
        public void paired(@Info("arg") String s, int n) {}
    }

    static class SubService extends Service {}

    interface Greeter { String greet(String name); int count(); default String twice(String s) { return s + s; } }

    public static void main(String[] args) throws Exception {
        Info i = Service.class.getAnnotation(Info.class);
        System.out.println(i.value() + " " + i.priority() + " " + Arrays.toString(i.tags()) + " " + i.level()
                + " " + i.kind().getSimpleName() + " " + i.weight() + " " + i.big() + " " + i.letter());
        System.out.println(Service.class.isAnnotationPresent(Marker.class) + " "
                + Service.class.isAnnotationPresent(Invisible.class) + " " + Service.class.getAnnotations().length);
        System.out.println(SubService.class.getAnnotation(Inheritable.class).value() + " "
                + SubService.class.getDeclaredAnnotations().length + " " + (SubService.class.getAnnotation(Info.class) == null));
        Method run = Service.class.getMethod("run");
        System.out.println(run.isAnnotationPresent(Marker.class) + " " + run.getAnnotation(Info.class).value());
        List<String> names = new ArrayList<>();
        for (Annotation a : run.getAnnotations()) names.add(a.annotationType().getSimpleName());
        Collections.sort(names);
        System.out.println(names);
        System.out.println(Service.class.getMethod("plain").getAnnotation(Info.class));
        System.out.println(Service.class.getField("count").getAnnotation(Info.class).value());
        Method paired = Service.class.getMethod("paired", String.class, int.class);
        Pair p = paired.getAnnotation(Pair.class);
        System.out.println(p.first().value() + " " + p.second().value() + " " + p.second().priority());
        Annotation[][] pa = paired.getParameterAnnotations();
        System.out.println(pa.length + " " + pa[0].length + " " + ((Info) pa[0][0]).value() + " " + pa[1].length);
        System.out.println(i.equals(Service.class.getAnnotation(Info.class)) + " " + i.equals(run.getAnnotation(Info.class))
                + " " + (i.hashCode() == Service.class.getAnnotation(Info.class).hashCode()));
        System.out.println(run.getAnnotation(Marker.class));
        System.out.println(i.annotationType() == Info.class);
        Retention r = Info.class.getAnnotation(Retention.class);
        System.out.println(r.value());

        List<String> calls = new ArrayList<>();
        InvocationHandler h = (proxy, method, margs) -> {
            calls.add(method.getName());
            switch (method.getName()) {
                case "greet": return "hello " + margs[0];
                case "count": return calls.size();
                case "toString": return "GreeterProxy";
                case "hashCode": return 7;
                case "equals": return proxy == margs[0];
                default: throw new UnsupportedOperationException(method.getName());
            }
        };
        Greeter g = (Greeter) Proxy.newProxyInstance(Greeter.class.getClassLoader(), new Class<?>[] {Greeter.class}, h);
        System.out.println(g.greet("ann") + " " + g.count() + " " + g + " " + g.hashCode() + " " + g.equals(g));
        System.out.println(Proxy.isProxyClass(g.getClass()) + " " + Proxy.isProxyClass(String.class)
                + " " + (Proxy.getInvocationHandler(g) == h) + " " + (g instanceof Greeter));
        try {
            g.twice("x");
        } catch (UnsupportedOperationException e) {
            System.out.println("unsupported " + e.getMessage());
        }
        System.out.println(calls);
        Runnable boom = (Runnable) Proxy.newProxyInstance(null, new Class<?>[] {Runnable.class},
                (proxy, method, margs) -> { throw new java.io.IOException("checked"); });
        try {
            boom.run();
        } catch (UndeclaredThrowableException e) {
            System.out.println("undeclared " + e.getCause().getMessage());
        }
    }
}
