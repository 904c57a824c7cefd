package corpus;

import java.io.Serializable;

/** Every family of JVM instructions javac emits. */
public class Instructions implements Serializable, Cloneable {
    private static final long serialVersionUID = 1L;
    static int counter;
    protected volatile long stamp;
    transient Object lock = new Object();
    byte b; short s; char c; int i; long l; float f; double d; boolean z;
    int[] ints = {1, 2, 3};
    Object[][] grid = new Object[2][];

    public Instructions() {
        super();
    }

    int arithmetic(int a, int b2) {
        int r = a + b2 - a * b2 / (b2 == 0 ? 1 : b2) % 7;
        r = -r;
        r <<= 3; r >>= 1; r >>>= 2;
        r &= 0xFF; r |= 0x100; r ^= 0x55;
        r += 127; r += 128; r -= 32768; r += 70000; r += -1; r += 5;
        return r;
    }

    long longs(long a, long b2) {
        long r = a + b2 - a * b2 / (b2 == 0 ? 1 : b2) % 7L;
        r = -r; r <<= 3; r >>= 1; r >>>= 2; r &= 0xFFL; r |= 1L << 40; r ^= 0x55L;
        return r + (a < b2 ? 1L : 0L) + 0L + 1L + 2L + Long.MAX_VALUE;
    }

    double floats(float a, double b2) {
        float x = a * 2.0f + 1.0f - 0.0f / a % 3.5f;
        double y = b2 * 2.0 + 1.0 - 0.0 / b2 % 3.5;
        x = -x; y = -y;
        if (x < y || x > y || a == b2 || Double.isNaN(y) || x <= 2.0f || y >= 0.25) {
            return x + y;
        }
        return (double) x;
    }

    Object conversions(int n, long m, float f2, double d2) {
        long a = n; float b2 = n; double c2 = n;
        int e = (int) m; float g = m; double h = m;
        int j = (int) f2; long k = (long) f2; double o = f2;
        int p = (int) d2; long q = (long) d2; float r = (float) d2;
        byte s2 = (byte) n; char t = (char) n; short u = (short) n;
        return a + b2 + c2 + e + g + h + j + k + o + p + q + r + s2 + t + u;
    }

    int arrays() {
        boolean[] bo = new boolean[1]; byte[] by = new byte[2]; char[] ch = new char[3];
        short[] sh = new short[4]; int[] in = new int[5]; long[] lo = new long[6];
        float[] fl = new float[7]; double[] db = new double[8]; String[] st = new String[9];
        int[][][] cube = new int[2][3][4];
        bo[0] = true; by[1] = 1; ch[2] = 'x'; sh[3] = 3; in[4] = 4; lo[5] = 5; fl[6] = 6; db[7] = 7;
        st[8] = "s"; cube[1][2][3] = 9;
        return (bo[0] ? 1 : 0) + by[1] + ch[2] + sh[3] + in[4] + (int) lo[5] + (int) fl[6]
            + (int) db[7] + st.length + cube[1][2][3] + in.length;
    }

    Object objects(Object o) throws CloneNotSupportedException {
        if (o instanceof String) {
            return ((String) o).length();
        }
        if (o == null || o != this) {
            counter++;
            stamp = counter;
        }
        synchronized (lock) {
            i = counter;
        }
        Instructions copy = (Instructions) clone();
        return copy.hashCode() + Instructions.counter + this.i;
    }

    static int loops(int n) {
        int sum = 0;
        for (int k = 0; k < n; k++) {
            if (k % 2 == 0) continue;
            sum += k;
            if (sum > 1000) break;
        }
        do { sum--; } while (sum > 10);
        while (sum < 100) sum *= 2;
        return sum;
    }

    static long stack(long a, long b2) {
        long[] arr = new long[1];
        arr[0] += a;
        long t = arr[0]++;
        b2 = t = a;
        return b2 + t;
    }

    native void nativeMethod();

    synchronized double strict(double a) {
        return a * a;
    }

    static String concat(String a, int b2, char c2, double d2, Object e) {
        return a + b2 + c2 + d2 + e + "tail";
    }
}
