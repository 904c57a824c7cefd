public class IntArithmetic {
    public static void main(String[] args) {
        int max = Integer.MAX_VALUE, min = Integer.MIN_VALUE;
        System.out.println(max + 1);
        System.out.println(min - 1);
        System.out.println(max * 2);
        System.out.println(min / -1);
        System.out.println(min % -1);
        System.out.println(-7 / 2 + " " + -7 % 2 + " " + 7 / -2 + " " + 7 % -2);
        System.out.println((1 << 33) + " " + (1 << -1) + " " + (-16 >> 2) + " " + (-16 >>> 28));
        System.out.println((0xF0F0 & 0x0FF0) + " " + (0xF0F0 | 0x0FF0) + " " + (0xF0F0 ^ 0x0FF0) + " " + ~5);
        int x = 5;
        x += 3; x -= 1; x *= 7; x /= 2; x %= 10; x <<= 3; x >>= 1; x >>>= 1; x ^= 0x55;
        System.out.println(x);
        int i = 0;
        i = i++ + ++i;
        System.out.println(i);
        System.out.println(Integer.toBinaryString(-8) + " " + Integer.toHexString(255) + " " + Integer.toOctalString(8));
        System.out.println(Integer.parseInt("-12345") + Integer.valueOf(10));
        System.out.println(Integer.bitCount(255) + " " + Integer.reverse(1) + " " + Integer.highestOneBit(100));
        System.out.println(Integer.compare(3, 5) + " " + Integer.signum(-9) + " " + Math.abs(min));
        short s = (short) 40000; byte b = (byte) 200; char c = (char) -1;
        System.out.println(s + " " + b + " " + (int) c);
        System.out.println(Integer.divideUnsigned(-1, 2) + " " + Integer.toUnsignedString(-1));
        System.out.println(Math.floorDiv(-7, 2) + " " + Math.floorMod(-7, 2));
        try {
            Math.addExact(max, 1);
        } catch (ArithmeticException e) {
            System.out.println(e.getMessage());
        }
    }
}
