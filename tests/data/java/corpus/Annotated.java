package corpus;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

@Deprecated
public class Annotated {
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE_USE, ElementType.TYPE_PARAMETER})
    @interface Tag { String value() default ""; }

    @Retention(RetentionPolicy.RUNTIME)
    @interface Info { int level(); String[] names() default {}; Tag tag() default @Tag("x"); }

    @Info(level = 2, names = {"a", "b"})
    @Deprecated(since = "1", forRemoval = true)
    public List<@Tag("elem") String> field;

    public <@Tag T> @Tag("ret") T method(@Info(level = 1) @Tag T param, final int fin) throws @Tag RuntimeException {
        @Tag("local") Object o = param;
        return param;
    }
}
