public class ClassLoading1 {
    static class Lazy { static { System.out.println("Lazy initialised"); } static int v = 3; }
    public static void main(String[] args) throws Exception {
        for (String n : new String[]{"int", "void", "[I", "[Ljava.lang.String;", "java.lang.String[]",
                                     "[[D", "[V", "[Ljava.lang.String", "java/lang/String", "", "I",
                                     "ClassLoading1$Lazy", "java.util.Map$Entry", "no.such.Thing"}) {
            try {
                Class<?> c = Class.forName(n, false, ClassLoading1.class.getClassLoader());
                System.out.println(n + " -> " + c.getName() + " " + c.isArray());
            } catch (ClassNotFoundException e) {
                System.out.println(n + " -> CNFE " + e.getMessage());
            }
        }
        System.out.println("before init");
        System.out.println(Class.forName("ClassLoading1$Lazy").getDeclaredField("v").getInt(null));
        System.out.println(int.class.getName() + " " + int[].class.getName() + " " + Integer.TYPE);
        System.out.println(ClassLoading1.class.getClassLoader() == ClassLoader.getSystemClassLoader());
        System.out.println(String.class.getClassLoader());
    }
}
