public class MathFunctions {
    public static void main(String[] args) {
        System.out.println(Math.abs(-5) + " " + Math.abs(-5.5) + " " + Math.max(3, 7) + " " + Math.min(-1L, 2L));
        System.out.println(Math.sqrt(144) + " " + Math.pow(2, 10) + " " + Math.pow(2, -1) + " " + Math.pow(-8, 1.0 / 3));
        System.out.println(Math.log10(1000) + " " + Math.log(Math.E) + " " + Math.exp(0) + " " + Math.log1p(0));
        System.out.println(Math.floor(2.7) + " " + Math.ceil(2.1) + " " + Math.round(2.5f) + " " + Math.round(-0.5));
        System.out.println(Math.signum(-3.0) + " " + Math.toRadians(180) + " " + Math.tan(0.5) + " " + Math.asin(1));
        System.out.println(Math.sinh(1) + " " + Math.cosh(1) + " " + Math.tanh(1) + " " + Math.expm1(1e-10));
        System.out.println(Math.floorMod(-13, 5) + " " + Math.floorDiv(13, -5) + " " + Math.abs(Integer.MIN_VALUE));
        System.out.println(Math.ulp(1.0) + " " + Math.nextUp(1.0f) + " " + Math.getExponent(1024.0) + " " + Math.scalb(1.5, 3));
        System.out.println(Math.sqrt(-1) + " " + Math.log(0) + " " + Math.log(-1) + " " + Math.pow(0, -1));
        System.out.println(StrictMath.sin(Math.PI / 6) + " " + StrictMath.cos(0) + " " + StrictMath.atan(1) * 4);
        double x = 0;
        for (int i = 1; i <= 1000; i++) x += 1.0 / ((double) i * i);
        System.out.println(x + " " + Math.sqrt(x * 6));
        System.out.println(Math.fma(2.0, 3.0, 1.0) + " " + Math.copySign(3.0, -0.0) + " " + Math.IEEEremainder(10, 3));
        long seed = 42;
        StringBuilder sb = new StringBuilder();
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < 5; i++) sb.append(r.nextInt(100)).append(' ');
        sb.append(r.nextDouble()).append(' ').append(r.nextLong()).append(' ').append(r.nextBoolean()).append(' ').append(r.nextGaussian());
        System.out.println(sb);
    }
}
