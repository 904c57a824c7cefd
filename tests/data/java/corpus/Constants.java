package corpus;

public class Constants {
    public static final int INT_MAX = Integer.MAX_VALUE;
    public static final int INT_MIN = Integer.MIN_VALUE;
    public static final int SMALL = -7;
    public static final short SHORT = -32768;
    public static final byte BYTE = 127;
    public static final char CHAR_A = 'a';
    public static final char CHAR_QUOTE = '\'';
    public static final char CHAR_BACKSLASH = '\\';
    public static final char CHAR_NL = '\n';
    public static final char CHAR_E_ACUTE = 'é';
    public static final char CHAR_ZERO = '\0';
    public static final boolean TRUE = true;
    public static final boolean FALSE = false;
    public static final long LONG_MAX = Long.MAX_VALUE;
    public static final long LONG_MIN = Long.MIN_VALUE;
    public static final long LONG_ONE = 1L;
    public static final float F_NAN = Float.NaN;
    public static final float F_POS_INF = Float.POSITIVE_INFINITY;
    public static final float F_NEG_INF = Float.NEGATIVE_INFINITY;
    public static final float F_NEG_ZERO = -0.0f;
    public static final float F_MIN = Float.MIN_VALUE;
    public static final float F_MIN_NORMAL = Float.MIN_NORMAL;
    public static final float F_MAX = Float.MAX_VALUE;
    public static final float F_TENTH = 0.1f;
    public static final float F_THIRD = 1.0f / 3;
    public static final float F_BIG = 1.0E10f;
    public static final float F_SMALL = 2.0E-3f;
    public static final float F_MILLION = 1234567.0f;
    public static final double D_NAN = Double.NaN;
    public static final double D_POS_INF = Double.POSITIVE_INFINITY;
    public static final double D_NEG_INF = Double.NEGATIVE_INFINITY;
    public static final double D_NEG_ZERO = -0.0;
    public static final double D_MIN = Double.MIN_VALUE;
    public static final double D_MIN_NORMAL = Double.MIN_NORMAL;
    public static final double D_MAX = Double.MAX_VALUE;
    public static final double D_TENTH = 0.1;
    public static final double D_1E23 = 1.0E23;
    public static final double D_2E_3 = 2.0E-3;
    public static final double D_QUIRK = 2.82879384806159E17;
    public static final double D_SUBNORMAL = 1.18575755E-316;
    public static final double D_TEN_MILLION = 1.0E7;
    public static final double D_PI = Math.PI;
    public static final String EMPTY = "";
    public static final String ESCAPES = "tab\there\nnew\rret\bback\fform\"dq'sq\\bs\u0000nul\u0001\u001f\u007f\u0085";
    public static final String UNICODE = "caf\u00e9 \u20ac \u4e2d\u6587 \uD83D\uDE00 \u00ff\u0100";
    public static final String LONE_SURROGATE = "a\uD800b";
    public static final String TRAILING_SPACE = "ends with space ";
    public static final String SPACES = "   ";
    static final int NOT_PUBLIC = 3;
    private static final int PRIVATE_CONST = 4;
    final int instanceConst = 5;
    static int notFinal = 6;

    static Object[] use() {
        float nf = Float.NaN;
        double e = Math.E;
        long big = 123456789012L;
        return new Object[] {nf, e, big, 1.5f, -2.5, 3.4e38f, 1e-300, 100000, 0x12345678,
            "\u00e9\t\"", 'c', (short) 300, (byte) -1, 65535, 32767, 32768, -129, -128,
            -0.0f, 0.0f, 1.0f, 2.0f, 0.0, 1.0, 1L, 0L, 2L, 7.0e-45f, 4.9e-324, Float.MIN_NORMAL};
    }
}
