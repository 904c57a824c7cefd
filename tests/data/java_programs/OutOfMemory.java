public class OutOfMemory {
    public static void main(String[] args) {
        try {
            long[] huge = new long[Integer.MAX_VALUE - 8];
            System.out.println(huge.length);
        } catch (OutOfMemoryError e) {
            System.out.println("OOM: " + e.getMessage());
        }
        try {
            Object[][] grid = new Object[3][Integer.MAX_VALUE - 8];
            System.out.println(grid.length);
        } catch (OutOfMemoryError e) {
            System.out.println("OOM 2: " + e.getMessage());
        }
        try {
            String[] names = new String[Integer.MAX_VALUE - 8];
            System.out.println(names.length);
        } catch (OutOfMemoryError e) {
            System.out.println("OOM 3: " + e.getMessage());
        }
        int[] small = new int[1000];
        System.out.println("still fine " + small.length);
    }
}
