/** The demo's JVM probe: what a program on the language VM sees of its machine. */
public class Probe {
    static int next(int x) {
        return x + 1;
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
        System.out.println("kernel=" + System.getProperty("os.version"));
        System.out.println("machine=" + System.getProperty("os.arch"));
        System.out.println("cpus=" + Runtime.getRuntime().availableProcessors());
        System.out.println("memory=" + Runtime.getRuntime().maxMemory());
        System.out.println("vm=" + System.getProperty("java.vm.name"));
        long t0 = System.nanoTime();
        int acc = 0;
        for (int i = 0; i < n; i++) {
            acc = next(acc);
        }
        long t1 = System.nanoTime();
        System.out.println("call_ns=" + (t1 - t0) / n);
        System.out.println("calls=" + acc);
    }
}
