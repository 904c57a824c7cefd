import java.lang.invoke.*;
import java.nio.ByteOrder;
import java.util.*;

public class VarHandles1 {
    volatile int count;
    long total;
    String label = "start";
    boolean flag;
    double ratio = 1.5;
    static int hits;
    static Object shared;

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xFF));
        return sb.toString();
    }

    public static void main(String[] args) throws Throwable {
        MethodHandles.Lookup l = MethodHandles.lookup();
        VarHandle count = l.findVarHandle(VarHandles1.class, "count", int.class);
        VarHandle total = l.findVarHandle(VarHandles1.class, "total", long.class);
        VarHandle label = l.findVarHandle(VarHandles1.class, "label", String.class);
        VarHandle flag = l.findVarHandle(VarHandles1.class, "flag", boolean.class);
        VarHandle ratio = l.findVarHandle(VarHandles1.class, "ratio", double.class);
        VarHandles1 o = new VarHandles1();

        count.set(o, 5);
        System.out.println((int) count.get(o) + " " + (int) count.getVolatile(o) + " " + (int) count.getAcquire(o));
        System.out.println(count.compareAndSet(o, 5, 7) + " " + count.compareAndSet(o, 5, 9) + " " + o.count);
        System.out.println((int) count.getAndAdd(o, 3) + " " + o.count + " " + (int) count.getAndSet(o, 1) + " " + o.count);
        System.out.println((int) count.compareAndExchange(o, 1, 12) + " " + (int) count.compareAndExchange(o, 1, 13) + " " + o.count);
        System.out.println((int) count.getAndBitwiseOr(o, 3) + " " + (int) count.getAndBitwiseAnd(o, 6) + " " + (int) count.getAndBitwiseXor(o, 5) + " " + o.count);
        count.setVolatile(o, Integer.MAX_VALUE);
        System.out.println((int) count.getAndAdd(o, 1) + " " + o.count);
        total.set(o, 1L << 40);
        System.out.println((long) total.getAndAdd(o, 5L) + " " + o.total + " " + total.weakCompareAndSet(o, (1L << 40) + 5, 0L) + " " + o.total);
        System.out.println(label.compareAndSet(o, "start", "next") + " " + (String) label.getAndSet(o, "last") + " " + o.label);
        flag.setRelease(o, true);
        ratio.setOpaque(o, 2.25);
        System.out.println((boolean) flag.get(o) + " " + (double) ratio.getAndAdd(o, 0.5) + " " + o.ratio);
        System.out.println(count.varType().getSimpleName() + " " + count.coordinateTypes());

        VarHandle hits = l.findStaticVarHandle(VarHandles1.class, "hits", int.class);
        VarHandle shared = l.findStaticVarHandle(VarHandles1.class, "shared", Object.class);
        for (int i = 0; i < 10; i++) hits.getAndAdd(1);
        shared.set(List.of(1, 2));
        System.out.println((int) hits.get() + " " + VarHandles1.hits + " " + shared.get());
        VarHandle viaField = l.unreflectVarHandle(VarHandles1.class.getDeclaredField("label"));
        System.out.println((String) viaField.get(o));

        VarHandle ints = MethodHandles.arrayElementVarHandle(int[].class);
        VarHandle strs = MethodHandles.arrayElementVarHandle(String[].class);
        int[] arr = new int[4];
        ints.set(arr, 1, 42);
        ints.getAndAdd(arr, 1, 8);
        ints.compareAndSet(arr, 3, 0, -1);
        String[] sarr = {"a", "b"};
        strs.compareAndSet(sarr, 0, "a", "z");
        System.out.println(Arrays.toString(arr) + " " + (int) ints.get(arr, 1) + " " + Arrays.toString(sarr));
        try {
            ints.set(arr, 4, 1);
        } catch (ArrayIndexOutOfBoundsException e) {
            System.out.println("AIOOBE " + e.getMessage());
        }

        byte[] bytes = new byte[16];
        VarHandle intBE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
        VarHandle intLE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
        VarHandle longLE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        VarHandle shortBE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
        VarHandle charLE = MethodHandles.byteArrayViewVarHandle(char[].class, ByteOrder.LITTLE_ENDIAN);
        VarHandle doubleBE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);
        VarHandle floatLE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
        intBE.set(bytes, 0, 0x01020304);
        intLE.set(bytes, 4, 0x01020304);
        System.out.println(hex(bytes) + " " + Integer.toHexString((int) intBE.get(bytes, 4)) + " " + Integer.toHexString((int) intLE.get(bytes, 0)));
        longLE.set(bytes, 8, 0x0102030405060708L);
        System.out.println(hex(bytes) + " " + Long.toHexString((long) longLE.get(bytes, 8)));
        shortBE.set(bytes, 0, (short) -2);
        charLE.set(bytes, 2, 'A');
        System.out.println(hex(bytes) + " " + (short) shortBE.get(bytes, 0) + " " + (char) charLE.get(bytes, 2));
        doubleBE.set(bytes, 0, Math.PI);
        floatLE.set(bytes, 8, 1.5f);
        System.out.println(hex(bytes) + " " + (double) doubleBE.get(bytes, 0) + " " + (float) floatLE.get(bytes, 8));
        System.out.println((int) intLE.getAndAdd(bytes, 12, 1) + " " + (int) intLE.get(bytes, 12));
        try {
            intBE.get(bytes, 13);
        } catch (IndexOutOfBoundsException e) {
            System.out.println("IOOBE " + e.getMessage());
        }
    }
}
