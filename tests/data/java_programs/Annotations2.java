import java.lang.annotation.*;
import java.lang.reflect.*;
import java.util.*;
public class Annotations2 {
    @Retention(RetentionPolicy.RUNTIME) @Target({ElementType.TYPE_USE, ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER}) @interface NN { String value() default ""; }
    record Pt(@NN("x") int x, List<@NN String> names) {}
    static @NN("ret") String m(@NN("p") List<@NN("elem") String> in) throws @NN("ex") RuntimeException { return null; }
    public static void main(String[] args) throws Exception {
        RecordComponent rc = Pt.class.getRecordComponents()[0];
        System.out.println(rc.getAnnotation(NN.class) + " " + rc.getAnnotatedType().getAnnotations().length);
        System.out.println(Pt.class.getDeclaredField("x").getAnnotation(NN.class));
        Method m = Annotations2.class.getDeclaredMethod("m", List.class);
        System.out.println(m.getAnnotatedReturnType().getAnnotation(NN.class));
        AnnotatedParameterizedType apt = (AnnotatedParameterizedType) m.getAnnotatedParameterTypes()[0];
        System.out.println(apt.getAnnotatedActualTypeArguments()[0].getAnnotation(NN.class) + " " + m.getParameterAnnotations()[0][0]);
        System.out.println(m.getAnnotatedExceptionTypes()[0].getAnnotation(NN.class));
        System.out.println(Arrays.toString(Pt.class.getDeclaredConstructors()[0].getParameterAnnotations()[0]));
    }
}
