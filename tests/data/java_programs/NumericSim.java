import java.math.BigInteger;

public class NumericSim {
    static double integrate(java.util.function.DoubleUnaryOperator f, double a, double b, int n) {
        double h = (b - a) / n, s = f.applyAsDouble(a) + f.applyAsDouble(b);
        for (int i = 1; i < n; i++) s += f.applyAsDouble(a + i * h) * (i % 2 == 0 ? 2 : 4);
        return s * h / 3;
    }
    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, m = b[0].length, k = b.length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) s += a[i][t] * b[t][j];
                c[i][j] = s;
            }
        return c;
    }
    public static void main(String[] args) {
        System.out.println(integrate(Math::sin, 0, Math.PI, 100));
        System.out.println(integrate(x -> x * x, 0, 3, 10));
        double x = 1;
        for (int i = 0; i < 6; i++) { x = x - (x * x - 2) / (2 * x); System.out.println(i + " " + x); }
        double[][] m = {{1, 2}, {3, 4}};
        double[][] p = m;
        for (int i = 0; i < 5; i++) p = multiply(p, m);
        System.out.println(java.util.Arrays.deepToString(p));
        double mean = 0, m2 = 0;
        int n = 0;
        long seed = 12345;
        for (int i = 0; i < 1000; i++) {
            seed = (seed * 6364136223846793005L + 1442695040888963407L);
            double v = (seed >>> 11) / (double) (1L << 53);
            n++;
            double delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
        }
        System.out.printf("mean=%.6f var=%.6f%n", mean, m2 / (n - 1));
        BigInteger catalan = BigInteger.ONE;
        for (int i = 0; i < 60; i++) catalan = catalan.multiply(BigInteger.valueOf(2L * (2 * i + 1))).divide(BigInteger.valueOf(i + 2));
        System.out.println("catalan(60) = " + catalan);
        BigInteger mersenne = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);
        System.out.println(mersenne + " prime=" + mersenne.isProbablePrime(20));
        float fx = 0.0f;
        for (int i = 0; i < 100; i++) fx += 0.01f;
        System.out.println(fx + " " + (double) fx + " " + (fx == 1.0f));
        long primes = 0;
        boolean[] composite = new boolean[5000];
        for (int i = 2; i < composite.length; i++) {
            if (!composite[i]) { primes++; for (int j = i * i; j < composite.length; j += i) composite[j] = true; }
        }
        System.out.println("primes below 5000: " + primes);
    }
}
