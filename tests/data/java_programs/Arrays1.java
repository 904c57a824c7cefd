import java.util.Arrays;

public class Arrays1 {
    public static void main(String[] args) {
        int[] ints = new int[5];
        long[] longs = {1, 2, 3};
        double[] ds = new double[3];
        boolean[] bs = new boolean[2];
        char[] cs = {'h', 'i'};
        byte[] bytes = {(byte) 255, 1};
        short[] shorts = {-1, 300};
        float[] fs = {1.5f, 2.5f};
        String[] strs = new String[2];
        System.out.println(Arrays.toString(ints) + Arrays.toString(longs) + Arrays.toString(ds));
        System.out.println(Arrays.toString(bs) + Arrays.toString(cs) + Arrays.toString(bytes));
        System.out.println(Arrays.toString(shorts) + Arrays.toString(fs) + Arrays.toString(strs));
        int[][] grid = new int[3][4];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) grid[i][j] = i * j;
        System.out.println(Arrays.deepToString(grid));
        int[][] jag = new int[3][];
        jag[0] = new int[]{1};
        jag[2] = new int[]{1, 2, 3};
        System.out.println(Arrays.deepToString(jag));
        String[][][] cube = new String[2][2][2];
        cube[1][1][1] = "x";
        System.out.println(Arrays.deepToString(cube));
        int[] sorted = {5, 3, 9, 1, 7};
        Arrays.sort(sorted);
        System.out.println(Arrays.toString(sorted) + " " + Arrays.binarySearch(sorted, 7));
        int[] copy = sorted.clone();
        copy[0] = 100;
        System.out.println(sorted[0] + " " + copy[0] + " " + copy.length);
        int[] big = Arrays.copyOf(sorted, 8);
        System.out.println(Arrays.toString(big));
        Arrays.fill(big, 2, 5, -1);
        System.out.println(Arrays.toString(big) + " " + Arrays.equals(sorted, copy));
        Object[] objs = new Integer[2];
        try {
            objs[0] = "str";
        } catch (ArrayStoreException e) {
            System.out.println("ASE " + e.getMessage());
        }
        try {
            int[] neg = new int[-1];
        } catch (NegativeArraySizeException e) {
            System.out.println("NASE " + e.getMessage());
        }
        try {
            System.out.println(ints[5]);
        } catch (ArrayIndexOutOfBoundsException e) {
            System.out.println(e.getMessage());
        }
        try {
            ints[-1] = 3;
        } catch (ArrayIndexOutOfBoundsException e) {
            System.out.println(e.getMessage());
        }
        char[] word = "hello".toCharArray();
        word[0]++;
        System.out.println(new String(word) + " " + word.getClass().getName() + " " + grid.getClass().getSimpleName());
        Integer[] boxed = {3, 1, 2};
        Arrays.sort(boxed, (a, b) -> b - a);
        System.out.println(Arrays.asList(boxed));
        System.arraycopy(sorted, 0, big, 3, 5);
        System.out.println(Arrays.toString(big));
        System.out.println(Arrays.hashCode(sorted) + " " + Arrays.stream(sorted).sum());
    }
}
