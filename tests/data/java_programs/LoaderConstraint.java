import java.io.*;
import java.lang.reflect.*;

/** Loader constraints (JVMS 5.3.4): a method resolved across two loaders that mean
 * different classes by a name of its signature is a LinkageError naming both loaders. */
public class LoaderConstraint {
    public static class Bar { }
    public static class Foo {
        public static String take(Bar b) { return "took " + b.getClass().getClassLoader().getClass().getSimpleName(); }
        public static Bar make() { return new Bar(); }
    }
    public static class Caller {
        public static String run() { return Foo.take(new Bar()); }
    }
    static class Picky extends ClassLoader {
        final String only;
        Picky(String only) { super(LoaderConstraint.class.getClassLoader()); this.only = only; }
        @Override protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && only.contains(name.substring(name.indexOf('$') + 1) + ",")) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) { throw new ClassNotFoundException(name, e); }
                }
                return c != null ? c : super.loadClass(name, resolve);
            }
        }
    }
    public static void main(String[] args) throws Exception {
        // Caller and Bar in the loader, Foo from the class path: Caller passes its Bar to a
        // Foo whose Bar is the class path's.
        System.out.println(Foo.take(new Bar()));
        Class<?> caller = new Picky("Caller,Bar,").loadClass("LoaderConstraint$Caller");
        try {
            System.out.println(caller.getMethod("run").invoke(null));
        } catch (InvocationTargetException e) {
            System.out.println(e.getCause().toString().replaceAll("@[0-9a-f]+", "@H"));
        }
    }
}
