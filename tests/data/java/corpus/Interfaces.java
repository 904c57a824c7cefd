package corpus;

public interface Interfaces extends Comparable<Interfaces>, Cloneable {
    int CONSTANT = 7;
    String NAME = "iface";

    void plain();

    default int withDefault() {
        return helper() + CONSTANT;
    }

    static Interfaces create() {
        return null;
    }

    private int helper() {
        return 3;
    }

    private static int staticHelper() {
        return 4;
    }

    @FunctionalInterface
    interface Callback {
        void call(String s) throws Exception;
    }

    @interface Marker {
        String value() default "v";
        int[] numbers() default {1, 2};
        Class<?> type() default Object.class;
        Thread.State state() default Thread.State.NEW;
    }
}
