public class VmExceptions {
    static class Node { Node next; int val; String name; }
    static int depth = 0;
    static void recurse() { depth++; recurse(); }
    static String nothing() { return null; }
    public static void main(String[] args) {
        try {
            Object o = Integer.valueOf(3);
            String s = (String) o;
        } catch (ClassCastException e) {
            System.out.println(e.getMessage());
        }
        try {
            Object o = new VmExceptions();
            Runnable r = (Runnable) o;
        } catch (ClassCastException e) {
            System.out.println(e.getMessage());
        }
        try {
            int z = 0;
            System.out.println(5 % z);
        } catch (ArithmeticException e) {
            System.out.println(e.getMessage());
        }
        try {
            long z = 0;
            System.out.println(5L / z);
        } catch (ArithmeticException e) {
            System.out.println(e.getMessage());
        }
        try {
            recurse();
        } catch (StackOverflowError e) {
            System.out.println("stack overflow caught " + (depth > 500));
        }
        try {
            "abc".substring(5);
        } catch (StringIndexOutOfBoundsException e) {
            System.out.println(e.getMessage());
        }
        try {
            new java.util.ArrayList<Integer>().get(0);
        } catch (IndexOutOfBoundsException e) {
            System.out.println(e.getMessage());
        }
        try {
            Integer.parseInt("abc");
        } catch (NumberFormatException e) {
            System.out.println(e.getMessage());
        }
        try {
            Object[] arr = new String[1];
            arr[0] = 1;
        } catch (ArrayStoreException e) {
            System.out.println(e.getMessage());
        }
        try {
            java.util.Iterator<String> it = java.util.List.<String>of().iterator();
            it.next();
        } catch (java.util.NoSuchElementException e) {
            System.out.println("NSEE " + e.getMessage());
        }
        try {
            Object x = null;
            synchronized (VmExceptions.class) { x.hashCode(); }
        } catch (NullPointerException e) {
            System.out.println("npe caught");
        }
    }
}
