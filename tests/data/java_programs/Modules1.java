import java.lang.reflect.*;
import java.lang.invoke.*;
/** Named system modules, the boot layer and strong encapsulation. */
public class Modules1 {
  // The unnamed module's identity hash: HotSpot's archived objects draw none, ours do.
  static String hide(String s) { return s.replaceAll("@[0-9a-f]+", "@H"); }

  public static void main(String[] a) throws Throwable {
    System.out.println(String.class.getModule());
    System.out.println(java.sql.Connection.class.getModule() + " " + int.class.getModule() + " " + String[].class.getModule());
    System.out.println(Modules1.class.getModule().isNamed() + " " + Modules1.class.getModule().getName());
    ModuleLayer boot = ModuleLayer.boot();
    System.out.println(boot.modules().size() + " " + boot.findModule("java.sql").isPresent() + " " + boot.findModule("jdk.incubator.vector").isPresent());
    Module base = Object.class.getModule();
    System.out.println(base.getLayer() == boot);
    System.out.println(base.isExported("java.lang") + " " + base.isExported("jdk.internal.misc") + " " + base.isOpen("java.lang"));
    System.out.println(base.getDescriptor().exports().size() + " " + base.getPackages().size() + " " + base.getDescriptor().isOpen());
    System.out.println(java.sql.Connection.class.getModule().getDescriptor().requires().stream().map(r -> r.name()).sorted().toList());
    System.out.println(java.sql.Connection.class.getModule().canRead(java.util.logging.Logger.class.getModule()));
    System.out.println(base.isExported("jdk.internal.misc", java.sql.Connection.class.getModule()) + " " + base.isExported("jdk.internal.misc", sun.misc.Unsafe.class.getModule()));
    System.out.println(Package.getPackage("java.lang") != null ? String.class.getPackage().getName() : "none");
    try {
      Field f = String.class.getDeclaredField("value");
      f.setAccessible(true);
      System.out.println("opened");
    } catch (InaccessibleObjectException e) { System.out.println(hide(e.getMessage())); }
    Method m = Object.class.getDeclaredMethod("clone");
    System.out.println(m.trySetAccessible());
    Field g = Integer.class.getDeclaredField("MAX_VALUE");
    g.setAccessible(true);
    System.out.println("public ok");
    try {
      MethodHandles.privateLookupIn(String.class, MethodHandles.lookup());
      System.out.println("lookup");
    } catch (IllegalAccessException e) { System.out.println(hide(e.getMessage())); }
    try {
      Class<?> c = Class.forName("jdk.internal.misc.VM");
      Method im = c.getMethod("isBooted");
      System.out.println(im.invoke(null));
    } catch (IllegalAccessException e) { System.out.println(hide(e.getMessage())); }
  }
}
