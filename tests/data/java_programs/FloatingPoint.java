public class FloatingPoint {
    public static void main(String[] args) {
        float f = 0.1f;
        float sum = 0;
        for (int i = 0; i < 10; i++) sum += f;
        System.out.println(sum);
        double d = 0.1;
        double dsum = 0;
        for (int i = 0; i < 10; i++) dsum += d;
        System.out.println(dsum);
        System.out.println(1.0f / 3 + " " + 1.0 / 3 + " " + 2.0f / 3);
        System.out.println(0.0 / 0.0 + " " + 1.0 / 0.0 + " " + -1.0 / 0.0 + " " + -0.0);
        System.out.println(1.0f / 0.0f + " " + (0.0f == -0.0f) + " " + Float.compare(0.0f, -0.0f));
        double nan = Double.NaN;
        System.out.println((nan == nan) + " " + (nan < 1) + " " + (nan > 1) + " " + Double.isNaN(nan));
        System.out.println((int) 3.99 + " " + (int) -3.99 + " " + (int) 1e20 + " " + (int) -1e20 + " " + (int) Double.NaN);
        System.out.println((long) 1e30 + " " + (long) Float.NEGATIVE_INFINITY + " " + (int) 2.5e9f);
        System.out.println(Math.round(2.5) + " " + Math.round(-2.5) + " " + Math.round(2.4f));
        System.out.println(Math.floor(-1.5) + " " + Math.ceil(-1.5) + " " + Math.rint(2.5));
        System.out.println(Math.sqrt(2) + " " + Math.pow(2, 0.5) + " " + Math.cbrt(27));
        System.out.println(Math.sin(1) + " " + Math.cos(1) + " " + Math.exp(1) + " " + Math.log(10));
        System.out.println(Float.MAX_VALUE + " " + Float.MIN_VALUE + " " + Double.MAX_VALUE + " " + Double.MIN_VALUE);
        System.out.println(Float.MAX_VALUE * 2 + " " + (float) 1e40 + " " + (float) 1e-50);
        System.out.println(100.0 + " " + 1e7 + " " + 1.0E-5 + " " + 123456789.0f + " " + 0.001f);
        System.out.println(Double.toString(1e21) + " " + Double.valueOf("3.25") + " " + Float.parseFloat("1.5e3"));
        System.out.println(Double.doubleToLongBits(1.0) + " " + Float.floatToIntBits(-2.0f));
        System.out.println(Float.intBitsToFloat(0x7f800000) + " " + Double.longBitsToDouble(0x3ff8000000000000L));
        System.out.println(5.5 % 2 + " " + -5.5 % 2 + " " + 5.5f % -2 + " " + 1.0 % 0);
        float big = 16777216f;
        System.out.println(big + 1 + " " + (big + 1 == big));
        System.out.println((double) (float) 0.1 + " " + (float) 0.1);
        System.out.println(Math.max(-0.0, 0.0) + " " + Math.min(-0.0, 0.0) + " " + Math.abs(-0.0));
        System.out.println(Math.hypot(3, 4) + " " + Math.atan2(1, 1) + " " + Math.toDegrees(Math.PI));
    }
}
