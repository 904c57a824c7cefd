package corpus;

public enum Enums implements Runnable {
    ALPHA(1) {
        @Override
        int weight() { return 10; }
    },
    BETA(2) {
        @Override
        int weight() { return 20; }
    },
    GAMMA(3);

    private final int code;

    Enums(int code) {
        this.code = code;
    }

    int weight() {
        return code;
    }

    @Override
    public void run() { }

    static Enums parse(String s) {
        return valueOf(s.toUpperCase());
    }
}
