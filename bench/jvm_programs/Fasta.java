/** fasta of the Computer Language Benchmarks Game: a repeated sequence and two sequences
 * drawn from nucleotide frequencies with the benchmark's linear congruential generator,
 * written as FASTA lines of 60. */
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

public final class Fasta {
    static final int LINE = 60;
    static final int IM = 139968, IA = 3877, IC = 29573;
    static int last = 42;

    static final String ALU =
        "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG"
        + "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA"
        + "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT"
        + "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA"
        + "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG"
        + "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC"
        + "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";

    static final byte[] IUB_CHARS = "acgtBDHKMNRSVWY".getBytes();
    static final double[] IUB_PROBS = {
        0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02,
    };
    static final byte[] HOMO_CHARS = "acgt".getBytes();
    static final double[] HOMO_PROBS = {0.3029549426680, 0.1979883004921, 0.1975473066391,
                                        0.3015094502008};

    static double random(double max) {
        last = (last * IA + IC) % IM;
        return max * last / IM;
    }

    static void repeat(OutputStream out, String header, String seq, int n) throws IOException {
        out.write(header.getBytes());
        byte[] s = seq.getBytes();
        byte[] line = new byte[LINE + 1];
        int pos = 0;
        while (n > 0) {
            int len = Math.min(n, LINE);
            for (int i = 0; i < len; i++) {
                line[i] = s[pos];
                pos = pos + 1 == s.length ? 0 : pos + 1;
            }
            line[len] = '\n';
            out.write(line, 0, len + 1);
            n -= len;
        }
    }

    static void random(OutputStream out, String header, byte[] chars, double[] probs, int n)
            throws IOException {
        out.write(header.getBytes());
        double[] cumulative = new double[probs.length];
        double sum = 0;
        for (int i = 0; i < probs.length; i++) {
            sum += probs[i];
            cumulative[i] = sum;
        }
        byte[] line = new byte[LINE + 1];
        while (n > 0) {
            int len = Math.min(n, LINE);
            for (int i = 0; i < len; i++) {
                double r = random(1.0);
                int k = 0;
                while (k < cumulative.length - 1 && r >= cumulative[k]) {
                    k++;
                }
                line[i] = chars[k];
            }
            line[len] = '\n';
            out.write(line, 0, len + 1);
            n -= len;
        }
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        repeat(out, ">ONE Homo sapiens alu\n", ALU, 2 * n);
        random(out, ">TWO IUB ambiguity codes\n", IUB_CHARS, IUB_PROBS, 3 * n);
        random(out, ">THREE Homo sapiens frequency\n", HOMO_CHARS, HOMO_PROBS, 5 * n);
        System.out.write(out.toByteArray());
        System.out.flush();
    }
}
