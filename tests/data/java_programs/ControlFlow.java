public class ControlFlow {
    static int collatz(long n) { int steps = 0; while (n != 1) { n = (n % 2 == 0) ? n / 2 : 3 * n + 1; steps++; } return steps; }
    public static void main(String[] args) {
        outer:
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                if (j == 3) continue outer;
                if (i == 3) break outer;
                System.out.print(i * 10 + j + " ");
            }
        }
        System.out.println();
        int k = 0;
        do { k += 3; } while (k < 10);
        System.out.println(k + " " + collatz(27) + " " + collatz(97));
        int count = 0;
        for (int i = 0, j = 10; i < j; i++, j--) count++;
        System.out.println(count);
        boolean a = true, b = false;
        System.out.println((a && !b) + " " + (a || b) + " " + (a ^ b) + " " + (a & b) + " " + (a | b));
        int x = 5;
        String size = x > 10 ? "big" : x > 3 ? "medium" : "small";
        System.out.println(size);
        long bits = 0;
        for (int i = 0; i < 64; i += 3) bits |= 1L << i;
        System.out.println(Long.toBinaryString(bits) + " " + Long.bitCount(bits));
        int y = 0;
        while (true) { if (++y > 100) break; }
        System.out.println(y);
        StringBuilder sb = new StringBuilder();
        for (char c = 'a'; c <= 'z'; c += 5) sb.append(c);
        System.out.println(sb);
        int sw = 0;
        for (int i = 0; i < 20; i++) {
            switch (i % 7) {
                case 0, 1 -> sw += 1;
                case 2 -> sw += 10;
                case 6 -> sw += 100;
                default -> sw += 1000;
            }
        }
        System.out.println(sw);
    }
}
