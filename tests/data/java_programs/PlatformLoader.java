/** Classes of the platform modules report the platform class loader. */
public class PlatformLoader { public static void main(String[] a) throws Exception {
  System.out.println((java.sql.Connection.class.getClassLoader() == ClassLoader.getPlatformClassLoader()) + " " + String.class.getClassLoader() + " " + (java.sql.Connection.class.getModule().getClassLoader() == ClassLoader.getPlatformClassLoader()));
  System.out.println(java.sql.Connection.class.getClassLoader().getName() + " " + java.sql.Connection[].class.getClassLoader().getName());
  System.out.println(Class.forName("java.sql.Timestamp", false, java.sql.Connection.class.getClassLoader()).getClassLoader().getName());
  System.out.println(java.sql.Connection.class.getClassLoader().loadClass("java.lang.String") == String.class);
  try { Object o = new java.sql.Timestamp(0); Runnable r = (Runnable) o; } catch (ClassCastException e) { System.out.println(e.getMessage()); }
  System.out.println(ModuleLayer.boot().findModule("java.sql").get().getClassLoader().getName());
  System.out.println(java.sql.Connection.class.getResource("Connection.class") != null);
}}
