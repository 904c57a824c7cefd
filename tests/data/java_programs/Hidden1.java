import java.util.function.*;
public class Hidden1 {
    public static void main(String[] args) {
        Runnable r = () -> {};
        Supplier<String> s = String::new;
        for (Object o : new Object[]{r, s}) {
            Class<?> c = o.getClass();
            System.out.println(c.isHidden() + " " + c.isSynthetic() + " " + c.getName().contains("$$Lambda$") + " " + c.getSimpleName().contains("$$Lambda$") + " " + (c.getCanonicalName() == null) + " " + c.isAnonymousClass() + " " + c.getInterfaces()[0].getSimpleName());
        }
    }
}
