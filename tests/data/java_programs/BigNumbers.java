import java.math.*;

public class BigNumbers {
    public static void main(String[] args) {
        BigInteger f = BigInteger.ONE;
        for (int i = 2; i <= 50; i++) f = f.multiply(BigInteger.valueOf(i));
        System.out.println(f);
        System.out.println(f.bitLength() + " " + f.mod(BigInteger.valueOf(1000007)) + " " + f.toString(16));
        BigInteger two = BigInteger.TWO;
        System.out.println(two.pow(100) + " " + two.pow(100).subtract(BigInteger.ONE).isProbablePrime(10));
        System.out.println(new BigInteger("123456789012345678901234567890").divide(new BigInteger("987654321")));
        System.out.println(BigInteger.valueOf(17).modPow(BigInteger.valueOf(1000), BigInteger.valueOf(1009)) + " " + BigInteger.valueOf(48).gcd(BigInteger.valueOf(180)));
        System.out.println(BigInteger.valueOf(-5).negate().sqrt() + " " + new BigInteger("-ff", 16) + " " + BigInteger.TEN.compareTo(BigInteger.ONE));
        BigDecimal a = new BigDecimal("10.25"), b = new BigDecimal("3");
        System.out.println(a.add(b) + " " + a.subtract(b) + " " + a.multiply(b) + " " + a.divide(b, 5, RoundingMode.HALF_UP));
        System.out.println(a.setScale(1, RoundingMode.HALF_EVEN) + " " + a.scale() + " " + a.precision() + " " + a.negate().abs());
        System.out.println(new BigDecimal("1.10").equals(new BigDecimal("1.1")) + " " + new BigDecimal("1.10").compareTo(new BigDecimal("1.1")) + " " + new BigDecimal("1.10").stripTrailingZeros());
        System.out.println(new BigDecimal(0.1) + " " + BigDecimal.valueOf(0.1));
        System.out.println(BigDecimal.ONE.divide(new BigDecimal(7), MathContext.DECIMAL64));
        try {
            BigDecimal.ONE.divide(new BigDecimal(3));
        } catch (ArithmeticException e) {
            System.out.println(e.getMessage());
        }
        BigInteger fib1 = BigInteger.ZERO, fib2 = BigInteger.ONE;
        for (int i = 0; i < 200; i++) { BigInteger t = fib1.add(fib2); fib1 = fib2; fib2 = t; }
        System.out.println(fib1);
    }
}
