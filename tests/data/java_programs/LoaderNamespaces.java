import java.io.*;
import java.lang.reflect.*;

public class LoaderNamespaces {
    public static class Counter {
        public static int count;
        public static int bump() { return ++count; }
        public static String helper() { return Helper.name(); }
    }
    public static class Helper { static String name() { return "helper via " + Helper.class.getClassLoader().getClass().getSimpleName(); } }

    static class Isolating extends ClassLoader {
        Isolating() { super(LoaderNamespaces.class.getClassLoader()); }
        void defineAgain(String name, byte[] b) { defineClass(name, b, 0, b.length); }
        @Override protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.startsWith("LoaderNamespaces$") && !name.equals("LoaderNamespaces$Isolating")) {
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
        Counter.bump(); Counter.bump();
        Isolating loader = new Isolating();
        Class<?> other = loader.loadClass("LoaderNamespaces$Counter");
        System.out.println("same class " + (other == Counter.class) + " same name " + other.getName().equals(Counter.class.getName()));
        System.out.println("loader " + other.getClassLoader().getClass().getSimpleName());
        Method bump = other.getMethod("bump");
        System.out.println("their count " + bump.invoke(null) + " ours " + Counter.count);
        System.out.println(Counter.helper());
        System.out.println("loaded again " + (loader.loadClass("LoaderNamespaces$Counter") == other));
        try {
            byte[] b = LoaderNamespaces.class.getResourceAsStream("LoaderNamespaces$Counter.class").readAllBytes();
            loader.defineAgain("LoaderNamespaces$Counter", b);
        } catch (LinkageError e) {
            System.out.println(e.getClass().getName() + ": " + e.getMessage().replaceAll("@[0-9a-f]+", "@"));
        }
        Isolating second = new Isolating();
        Class<?> third = second.loadClass("LoaderNamespaces$Counter");
        System.out.println("third distinct " + (third != other && third != Counter.class) + " count " + third.getMethod("bump").invoke(null));
    }
}
