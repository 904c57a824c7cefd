public class CorePackages {
    public static void main(String[] args) {
        for (Class<?> c : new Class<?>[]{String.class, java.util.List.class, java.util.concurrent.Future.class,
                                         java.sql.Date.class, CorePackages.class}) {
            Package p = c.getPackage();
            System.out.println(c.getName() + " -> " + (p == null ? null : p.getName()) + " "
                + (p == null ? null : p.getImplementationTitle()) + " " + (p == null ? null : p.getSpecificationVersion()));
        }
        System.out.println(String.class.getPackage() == Integer.class.getPackage());
        System.out.println(String.class.getPackageName() + " " + int[].class.getPackageName());
    }
}
