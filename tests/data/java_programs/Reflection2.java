import java.lang.reflect.*;
import java.lang.annotation.*;
import java.util.*;
public class Reflection2 {
    sealed interface Shape permits Circle, Square {}
    record Circle(double r) implements Shape {}
    record Square(double s) implements Shape {}
    @Retention(RetentionPolicy.RUNTIME) @interface Tag { String value() default "dflt"; int[] nums() default {1, 2}; }
    public static <T extends Comparable<T>> List<T> sortIt(List<T> in, int limit, String... extra) throws java.io.IOException { return in; }
    public static void main(String[] args) throws Exception {
        Method m = Reflection2.class.getMethod("sortIt", List.class, int.class, String[].class);
        System.out.println(m);
        System.out.println(m.toGenericString());
        System.out.println(m.isVarArgs() + " " + Arrays.toString(m.getGenericParameterTypes()) + " " + Arrays.toString(m.getExceptionTypes()));
        for (Parameter p : m.getParameters()) System.out.println(p.getName() + " " + p.getType().getSimpleName() + " " + p.isNamePresent());
        System.out.println(Tag.class.getMethod("value").getDefaultValue() + " " + Arrays.toString((int[]) Tag.class.getMethod("nums").getDefaultValue()));
        System.out.println(Shape.class.isSealed() + " " + Arrays.toString(Shape.class.getPermittedSubclasses()));
        System.out.println(Reflection2.class.getPackage() + "|" + Reflection2.class.getPackageName() + "|" + Circle.class.getEnclosingClass().getSimpleName() + " " + Circle.class.getNestHost().getSimpleName());
        Object anon = new Object() {};
        System.out.println(anon.getClass().isAnonymousClass() + " " + anon.getClass().getEnclosingMethod().getName() + " " + anon.getClass().getName());
        System.out.println(Arrays.toString(Circle.class.getConstructors()) + " " + Circle.class.getDeclaredConstructors()[0].getParameterCount());
        System.out.println(String.class.getMethod("valueOf", int.class) + " " + Modifier.toString(String.class.getModifiers()));
        System.out.println(Map.Entry.class.getName() + " " + Map.Entry.class.getSimpleName() + " " + Map.Entry.class.getCanonicalName() + " " + int[][].class.getCanonicalName());
        System.out.println(Thread.State.class.isEnum() + " " + Thread.State.class.getEnumConstants().length + " " + Class.forName("java.lang.Thread$State").getSimpleName());
        System.out.println(ArrayList.class.getGenericSuperclass() + " " + Arrays.toString(ArrayList.class.getGenericInterfaces()));
        System.out.println(Integer.TYPE + " " + int.class.isPrimitive() + " " + void.class + " " + Integer.class.getField("MAX_VALUE").getInt(null));
    }
}
