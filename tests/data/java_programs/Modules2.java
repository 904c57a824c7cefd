import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;

/** Run with --add-opens and --add-exports (Modules2.jvmopts): what they open is
 * reachable, the rest of java.base stays encapsulated, and bad values are warned about. */
public class Modules2 {
    public static void main(String[] args) throws Exception {
        Field f = String.class.getDeclaredField("value");
        f.setAccessible(true);
        System.out.println(((byte[]) f.get("abc")).length);
        Class<?> vm = Class.forName("jdk.internal.misc.VM");
        System.out.println(vm.getMethod("isBooted").invoke(null));
        Module base = Object.class.getModule();
        Module me = Modules2.class.getModule();
        System.out.println(base.isOpen("java.lang", me) + " " + base.isOpen("java.util", me)
            + " " + base.isExported("jdk.internal.misc", me) + " " + base.isOpen("jdk.internal.misc", me)
            + " " + base.isExported("jdk.internal.misc"));
        System.out.println(MethodHandles.privateLookupIn(String.class, MethodHandles.lookup()).lookupClass());
        try {
            java.util.ArrayList.class.getDeclaredField("size").setAccessible(true);
        } catch (RuntimeException e) {
            System.out.println(e.getMessage().replaceAll("@[0-9a-f]+", "@H"));
        }
        try {
            base.addOpens("java.util", me);
        } catch (IllegalCallerException e) {
            System.out.println(e.getMessage().replaceAll("@[0-9a-f]+", "@H"));
        }
        me.addOpens("", base);
        System.out.println(base.isOpen("java.util", me) + " " + me.isOpen("anything", base));
    }
}
