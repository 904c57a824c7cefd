import java.lang.invoke.*;
import java.lang.ref.*;
import java.util.*;
/** Lookup.defineHiddenClass: HotSpot's names, no lookup by name, nestmates, class data,
 * unloading, and lambdas as hidden nestmates of their caller. */
public class Hidden2 {
  static String mask(Object o) { return String.valueOf(o).replaceAll("0x[0-9a-f]+", "0xX"); }
  public static void main(String[] a) throws Throwable {
    byte[] bytes = Hidden2.class.getResourceAsStream("Hidden2Plugin.class").readAllBytes();
    MethodHandles.Lookup lk = MethodHandles.lookup();
    Class<?> c = lk.defineHiddenClass(bytes, true).lookupClass();
    System.out.println(mask(c.getName()) + " " + c.isHidden() + " " + mask(c.getSimpleName()) + " " + c.getCanonicalName() + " " + mask(c));
    Object o = c.getDeclaredConstructor().newInstance();
    System.out.println(mask(o) + " " + (o instanceof Runnable));
    ((Runnable) o).run();
    try { Class.forName(c.getName()); } catch (ClassNotFoundException e) { System.out.println("CNFE " + mask(e.getMessage())); }
    System.out.println(Class.forName("Hidden2Plugin").isHidden());
    Class<?> c2 = lk.defineHiddenClass(bytes, true).lookupClass();
    System.out.println((c == c2) + " " + c2.getName().equals(c.getName()) + " " + (c.getNestHost() == c) + " " + (c.getClassLoader() == Hidden2.class.getClassLoader()) + " " + (c.getModule() == Hidden2.class.getModule()));
    MethodHandles.Lookup l2 = lk.defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE);
    System.out.println(l2.lookupClass().getNestHost() + " " + l2.lookupModes() + " " + l2.lookupClass().isNestmateOf(Hidden2.class));
    MethodHandles.Lookup l3 = lk.defineHiddenClassWithClassData(bytes, List.of("data", 7), true);
    System.out.println(MethodHandles.classData(l3, "_", List.class));
    try { lk.defineHiddenClass(new byte[]{1,2,3}, true); } catch (ClassFormatError e) { System.out.println("CFE " + e.getMessage()); }
    try { lk.defineHiddenClass(String.class.getResourceAsStream("String.class").readAllBytes(), true); } catch (IllegalArgumentException e) { System.out.println("IAE " + e.getMessage()); }
    WeakReference<Class<?>> ref = new WeakReference<>(lk.defineHiddenClass(bytes, false).lookupClass());
    for (int i = 0; i < 100 && ref.get() != null; i++) { System.gc(); Thread.sleep(10); }
    System.out.println("unloaded " + (ref.get() == null));
    byte[] boom = Hidden2.class.getResourceAsStream("Hidden2Boom.class").readAllBytes();
    Runnable b = (Runnable) lk.defineHiddenClass(boom, true).lookupClass().getDeclaredConstructor().newInstance();
    try { b.run(); } catch (IllegalStateException e) {
      // HotSpot leaves the frames of hidden classes out of stack traces.
      for (StackTraceElement s : e.getStackTrace()) System.out.println("at " + mask(s));
    }
    Runnable r = () -> {};
    System.out.println(r.getClass().isHidden() + " " + mask(r.getClass().getName()).replaceAll("[0-9]+/", "N/") + " " + (r.getClass().getNestHost() == Hidden2.class));
  }
}
class Hidden2Plugin implements Runnable { 
  static int count;
  public String toString() { return "plugin " + getClass().getName(); }
  public void run() { count++; Hidden2Plugin p = this; System.out.println("run " + count + " " + (p.getClass() == getClass())); } }
class Hidden2Boom implements Runnable {
  public void run() { boom(); }
  void boom() { throw new IllegalStateException("boom"); }
}
