/** fannkuch-redux of the Computer Language Benchmarks Game: for every permutation of
 * 1..n (in the benchmark's order), count the prefix reversals until 1 comes first; print
 * the checksum and the largest count. */
public final class FannkuchRedux {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int[] perm = new int[n];
        int[] work = new int[n];
        int[] count = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        int checksum = 0;
        int maxFlips = 0;
        int index = 0;
        int r = n;
        while (true) {
            while (r != 1) {
                count[r - 1] = r;
                r--;
            }
            System.arraycopy(perm, 0, work, 0, n);
            int flips = 0;
            int first = work[0];
            while (first != 0) {
                for (int lo = 1, hi = first - 1; lo < hi; lo++, hi--) {
                    int t = work[lo];
                    work[lo] = work[hi];
                    work[hi] = t;
                }
                int next = work[first];
                work[first] = first;
                first = next;
                flips++;
            }
            if (flips > maxFlips) {
                maxFlips = flips;
            }
            checksum += (index & 1) == 0 ? flips : -flips;
            index++;
            // the next permutation: rotate the first r+1 elements until a counter is left
            while (true) {
                if (r == n) {
                    System.out.println(checksum);
                    System.out.println("Pfannkuchen(" + n + ") = " + maxFlips);
                    return;
                }
                int p0 = perm[0];
                for (int i = 0; i < r; i++) {
                    perm[i] = perm[i + 1];
                }
                perm[r] = p0;
                count[r]--;
                if (count[r] > 0) {
                    break;
                }
                r++;
            }
        }
    }
}
