import java.io.*;
import java.util.function.Supplier;

/** Type identity is the name and the defining loader: two loaders' classes of one name
 * are distinct and not assignable, a child-first loader's own copy wins when its classes
 * name the class, and ClassCastException names both loaders. */
public class LoaderIdentity {
    public static class Shape implements Supplier<String> {
        public String get() { return "shape of " + loaderOf(getClass()); }
    }
    public static class Maker {
        public static Object make() { return new Shape(); }
        public static String check(Object o) { return String.valueOf(o instanceof Shape); }
        public static Shape cast(Object o) { return (Shape) o; }
    }

    public static String loaderOf(Class<?> c) {
        ClassLoader l = c.getClassLoader();
        return l == null ? "boot" : l.getClass().getSimpleName();
    }

    static class ChildFirst extends ClassLoader {
        ChildFirst() { super(LoaderIdentity.class.getClassLoader()); }
        @Override protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && (name.endsWith("$Shape") || name.endsWith("$Maker"))) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) { throw new ClassNotFoundException(name, e); }
                }
                return c != null ? c : super.loadClass(name, resolve);
            }
        }
    }

    static String hide(String s) { return s.replaceAll("@[0-9a-f]+", "@H"); }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        System.out.println(new Shape().get());
        ChildFirst loader = new ChildFirst();
        Class<?> maker = loader.loadClass("LoaderIdentity$Maker");
        Object theirs = maker.getMethod("make").invoke(null);
        Class<?> theirShape = theirs.getClass();
        System.out.println(((Supplier<String>) theirs).get());
        System.out.println((theirShape == Shape.class) + " " + theirShape.getName().equals(Shape.class.getName()));
        System.out.println((theirs instanceof Shape) + " " + Shape.class.isInstance(theirs) + " "
            + Shape.class.isAssignableFrom(theirShape) + " " + theirShape.isAssignableFrom(Shape.class)
            + " " + Supplier.class.isInstance(theirs));
        System.out.println(maker.getMethod("check", Object.class).invoke(null, theirs) + " "
            + maker.getMethod("check", Object.class).invoke(null, new Shape()));
        try {
            Shape s = (Shape) theirs;
            System.out.println("cast " + s);
        } catch (ClassCastException e) {
            System.out.println(hide(e.getMessage()));
        }
        try {
            maker.getMethod("cast", Object.class).invoke(null, new Shape());
        } catch (java.lang.reflect.InvocationTargetException e) {
            System.out.println(hide(e.getCause().toString()));
        }
        Object[] shapes = new Shape[1];
        try {
            shapes[0] = theirs;
        } catch (ArrayStoreException e) {
            System.out.println(hide(e.toString()));
        }
        try {
            Shape.class.cast(theirs);
        } catch (ClassCastException e) {
            System.out.println(hide(e.getMessage()));
        }
    }
}
