public class BitTricks {
    static int popcount(long x) { int c = 0; while (x != 0) { x &= x - 1; c++; } return c; }
    public static void main(String[] args) {
        System.out.println(popcount(0xFFFF_FFFF_FFFFL) + " " + Long.bitCount(0xFFFF_FFFF_FFFFL));
        int x = 0b1011_0110;
        System.out.println(Integer.toBinaryString(x & -x) + " " + Integer.numberOfLeadingZeros(x) + " " + Integer.rotateLeft(x, 28) + " " + Integer.reverseBytes(x));
        long h = 0xcbf29ce484222325L;
        for (char c : "fnv hash".toCharArray()) { h ^= c; h *= 0x100000001b3L; }
        System.out.println(h + " " + Long.toHexString(h) + " " + (h >>> 60) + " " + (h >> 60));
        int gray = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) { gray = i ^ (i >> 1); sb.append(gray).append(' '); }
        System.out.println(sb);
        byte b = (byte) 0x80;
        System.out.println((b >> 1) + " " + (b >>> 1) + " " + ((b & 0xFF) >>> 1) + " " + (byte) (b << 1));
        char c = (char) 0xFFFF;
        c++;
        short s = Short.MIN_VALUE;
        s--;
        System.out.println((int) c + " " + s + " " + (Integer.MIN_VALUE >> 31) + " " + (Integer.MIN_VALUE >>> 31));
        System.out.println(Long.highestOneBit(1000) + " " + Long.numberOfTrailingZeros(1024) + " " + Long.reverse(1L) + " " + Long.rotateRight(1L, 1));
        int mask = 0;
        for (int bit : new int[]{0, 3, 31}) mask |= 1 << bit;
        System.out.println(mask + " " + Integer.toUnsignedLong(mask) + " " + Integer.parseUnsignedInt("4294967295") + " " + Integer.remainderUnsigned(-1, 7));
    }
}
