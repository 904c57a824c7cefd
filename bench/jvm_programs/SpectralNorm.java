/** spectral-norm of the Computer Language Benchmarks Game: the spectral norm of the
 * infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), by ten rounds of the power method. */
public final class SpectralNorm {
    static double a(int i, int j) {
        int ij = i + j;
        return 1.0 / (ij * (ij + 1) / 2 + i + 1);
    }

    /** out = A v, or A^T v when transposed. */
    static void multiply(double[] v, double[] out, boolean transposed) {
        int n = v.length;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += (transposed ? a(j, i) : a(i, j)) * v[j];
            }
            out[i] = sum;
        }
    }

    static void multiplyAtAv(double[] v, double[] out, double[] tmp) {
        multiply(v, tmp, false);
        multiply(tmp, out, true);
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        double[] u = new double[n];
        double[] v = new double[n];
        double[] tmp = new double[n];
        java.util.Arrays.fill(u, 1.0);
        for (int i = 0; i < 10; i++) {
            multiplyAtAv(u, v, tmp);
            multiplyAtAv(v, u, tmp);
        }
        double vBv = 0, vv = 0;
        for (int i = 0; i < n; i++) {
            vBv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        System.out.printf("%.9f%n", Math.sqrt(vBv / vv));
    }
}
