public class DoubleLoops {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.sqrt(i + 1.0);
        double acc = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                acc += x[i] * x[j] / (1.0 + x[j]);
        System.out.printf("acc = %.6f%n", acc);
    }
}
