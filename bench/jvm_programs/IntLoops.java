public class IntLoops {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = (i * 31) ^ (i >>> 3);
        long sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                sum += a[i] * a[j] + (a[j] & 7);
        System.out.println("sum = " + sum);
    }
}
