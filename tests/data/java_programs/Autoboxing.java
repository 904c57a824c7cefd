import java.util.*;

public class Autoboxing {
    static long total(List<Long> xs) { long t = 0; for (long x : xs) t += x; return t; }
    public static void main(String[] args) {
        Integer a = 127, b = 127, c = 128, d = 128;
        System.out.println((a == b) + " " + (c == d) + " " + c.equals(d));
        Long l1 = 127L, l2 = 127L;
        System.out.println(l1 == l2);
        Character ch = 'x';
        Boolean t = true;
        Double dd = 2.5;
        System.out.println(ch + 1 + " " + !t + " " + (dd * 2));
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < 5; i++) list.add(i);
        list.remove(Integer.valueOf(3));
        list.remove(0);
        System.out.println(list);
        int sum = 0;
        for (Integer i : list) sum += i;
        System.out.println(sum + " " + total(List.of(1L, 2L, 3L)));
        Integer n = null;
        try {
            int x = n;
        } catch (NullPointerException e) {
            System.out.println("unboxing null");
        }
        Object o = 42;
        System.out.println(o.getClass().getName() + " " + ((Object) 4.0f).getClass().getSimpleName() + " " + ((Object) 'c').getClass().getSimpleName());
        System.out.println(Integer.valueOf(1000).hashCode() + " " + Double.valueOf(1.5).hashCode() + " " + Boolean.TRUE.hashCode() + " " + Character.valueOf('A').hashCode());
        Map<Character, Integer> m = new HashMap<>();
        m.put('a', 1);
        m.put('a', m.get('a') + 1);
        System.out.println(m);
        short s = 5;
        Short boxed = s;
        byte by = 3;
        Byte bb = by;
        System.out.println(boxed + bb + " " + Integer.compare(a, c) + " " + Integer.MAX_VALUE + 1L);
    }
}
