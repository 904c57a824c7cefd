import java.lang.reflect.*;
/** Proxies of public interfaces live in the dynamic module jdk.proxy1; of a package-private
 * interface, in that interface's package and module. */
public class ProxyModules {
  interface Hidden { String hi(); }
  public static void main(String[] a) {
    Runnable r = (Runnable) Proxy.newProxyInstance(ProxyModules.class.getClassLoader(), new Class<?>[]{Runnable.class}, (p, m, args) -> { System.out.println("call " + m.getName()); return null; });
    r.run();
    Class<?> c = r.getClass();
    System.out.println(c.getName() + " " + c.getModule() + " " + c.getModule().isNamed() + " " + c.getPackageName() + " " + Modifier.toString(c.getModifiers()));
    Hidden h = (Hidden) Proxy.newProxyInstance(ProxyModules.class.getClassLoader(), new Class<?>[]{Hidden.class}, (p, m, args) -> "x");
    System.out.println(h.getClass().getName() + " " + h.getClass().getModule().isNamed() + " " + h.hi());
    Object r2 = Proxy.newProxyInstance(ProxyModules.class.getClassLoader(), new Class<?>[]{Comparable.class}, (p, m, args) -> 0);
    System.out.println(r2.getClass().getName() + " " + r2.getClass().getModule());
    System.out.println(c.getModule().getDescriptor() + " " + c.getModule().getClassLoader().getName() + " " + c.getModule().getLayer());
  }
}
