public class LongArithmetic {
    public static void main(String[] args) {
        long max = Long.MAX_VALUE, min = Long.MIN_VALUE;
        System.out.println(max + 1);
        System.out.println(min - 1);
        System.out.println(max * 3);
        System.out.println(min / -1);
        System.out.println(-7L / 2 + " " + -7L % 2);
        System.out.println((1L << 65) + " " + (-1L >>> 1) + " " + (-256L >> 4));
        long f = 1;
        for (int i = 1; i <= 25; i++) f *= i;
        System.out.println(f);
        System.out.println(Long.toHexString(f) + " " + Long.numberOfTrailingZeros(f));
        System.out.println(Long.parseLong("9223372036854775807") + " " + Long.hashCode(max));
        int a = 100000;
        long p = a * a;
        long q = (long) a * a;
        System.out.println(p + " " + q);
        System.out.println((int) 4294967297L + " " + (short) 65537L);
        System.out.println(Long.compare(1, 2) + " " + Long.signum(-5L) + " " + Long.bitCount(-1L));
        System.out.println(Long.toUnsignedString(-1L) + " " + Long.divideUnsigned(-1L, 10));
        long x = 0x123456789ABCDEFL;
        x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
        System.out.println(x);
    }
}
