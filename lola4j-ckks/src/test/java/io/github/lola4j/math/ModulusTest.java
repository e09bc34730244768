package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.Naive;
import java.math.BigInteger;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModulusTest {

    /** Primes and odd moduli across the supported range, including the largest 61-bit prime 2^61 - 1. */
    static LongStream moduli() {
        return LongStream.of(3, 17, 12289, 65537, 1032193, (1L << 31) - 1, 1099511922689L /* 40-bit NTT prime */,
                1152921504606584833L, (1L << 61) - 1, 2305843009213554689L, (1L << 60) + 1 /* odd composite */,
                (1L << 32) + 15, 4294967291L);
    }

    private static long[] samples(long q, SplittableRandom rnd) {
        long[] s = new long[220];
        long[] edges = {0, 1, 2, q - 1, q - 2, q / 2, q / 2 + 1};
        int k = 0;
        for (long e : edges) {
            s[k++] = Math.floorMod(e, q);
        }
        while (k < s.length) {
            s[k++] = rnd.nextLong(q);
        }
        return s;
    }

    @ParameterizedTest(name = "q={0}")
    @MethodSource("moduli")
    void arithmeticMatchesBigInteger(long q) {
        Modulus m = new Modulus(q);
        BigInteger bq = BigInteger.valueOf(q);
        SplittableRandom rnd = new SplittableRandom(q);
        long[] s = samples(q, rnd);
        for (long a : s) {
            for (int t = 0; t < 12; t++) {
                long b = s[rnd.nextInt(s.length)];
                BigInteger ba = BigInteger.valueOf(a);
                BigInteger bb = BigInteger.valueOf(b);
                assertEquals(ba.add(bb).mod(bq).longValue(), m.add(a, b), "add");
                assertEquals(ba.subtract(bb).mod(bq).longValue(), m.sub(a, b), "sub");
                assertEquals(ba.negate().mod(bq).longValue(), m.neg(a), "neg");
                long prod = Naive.mulMod(a, b, q);
                assertEquals(prod, m.mul(a, b), () -> "mul " + a + " * " + b);
                assertEquals(prod, m.reduce128(Math.multiplyHigh(a, b), a * b), "reduce128");
                long bp = m.shoup(b);
                assertEquals(prod, m.mulShoup(a, b, bp), "mulShoup");
                long lazy = m.mulShoupLazy(a, b, bp);
                assertTrue(lazy >= 0 && lazy < 2 * q && lazy % q == prod, "mulShoupLazy range");
                // Shoup accepts any input below 2^63, e.g. lazy NTT values in [0, 4q).
                long big = a + 3 * q < 0 ? a : a + 3 * q;
                long lazyBig = m.mulShoupLazy(big, b, bp);
                assertTrue(lazyBig >= 0 && lazyBig < 2 * q, "mulShoupLazy of an input in [0, 4q)");
                assertEquals(BigInteger.valueOf(big).multiply(bb).mod(bq).longValue(), lazyBig % q);
            }
            long x = rnd.nextLong() >>> 1;
            assertEquals(BigInteger.valueOf(x).mod(bq).longValue(), m.reduce(x), "reduce");
            assertEquals(BigInteger.valueOf(x).mod(bq).longValue(), m.reduceLong(x), "reduceLong");
            long small = rnd.nextLong(4 * q);
            assertEquals(small % q, m.reduceLong(small), "reduceLong below 4q");
            long y = rnd.nextLong();
            assertEquals(BigInteger.valueOf(y).mod(bq).longValue(), m.reduceSigned(y), "reduceSigned");
            assertEquals(a, m.reduceOnce(a + q), "reduceOnce");
            assertEquals(a, m.reduceOnce(a), "reduceOnce");
            long e = rnd.nextLong(1L << 40);
            assertEquals(Naive.powMod(a, e, q), m.pow(a, e), "pow");
        }
        assertEquals(BigInteger.valueOf(Long.MAX_VALUE).mod(bq).longValue(), m.reduceLong(Long.MAX_VALUE), "reduceLong 2^63-1");
        assertEquals(0, m.reduceLong(0));
        assertEquals(0, m.reduceLong(q));
        assertEquals(q - 1, m.reduceLong(q - 1));
        assertEquals(BigInteger.valueOf(Long.MIN_VALUE).mod(bq).longValue(), m.reduceSigned(Long.MIN_VALUE));
        assertEquals(BigInteger.valueOf(Long.MAX_VALUE).mod(bq).longValue(), m.reduceSigned(Long.MAX_VALUE));
    }

    @ParameterizedTest(name = "q={0}")
    @MethodSource("moduli")
    void inverseAndShoupConstant(long q) {
        Modulus m = new Modulus(q);
        BigInteger bq = BigInteger.valueOf(q);
        SplittableRandom rnd = new SplittableRandom(~q);
        for (long a : samples(q, rnd)) {
            BigInteger ba = BigInteger.valueOf(a);
            assertEquals(ba.shiftLeft(64).divide(bq), new BigInteger(Long.toUnsignedString(m.shoup(a))), "shoup");
            if (ba.gcd(bq).equals(BigInteger.ONE)) {
                assertEquals(ba.modInverse(bq).longValue(), m.inv(a), "inv");
            } else {
                assertThrows(ArithmeticException.class, () -> m.inv(a));
            }
        }
        int k = m.bits();
        assertEquals(BigInteger.ONE.shiftLeft(2 * k).divide(bq).longValueExact(), m.barrettConstant());
    }

    @ParameterizedTest(name = "q={0}")
    @MethodSource("moduli")
    void montgomeryReductionOfProductSumsMatchesBigInteger(long q) {
        Modulus m = new Modulus(q);
        BigInteger bq = BigInteger.valueOf(q);
        BigInteger r = BigInteger.ONE.shiftLeft(64);
        assertEquals(r.mod(bq).longValue(), m.montgomeryFactor());
        BigInteger rInv = r.mod(bq).modInverse(bq);
        SplittableRandom rnd = new SplittableRandom(q);
        long[] s = samples(q, rnd);
        // The largest admissible number of terms, floor(2^64 / q) (capped to keep the test short), all at q - 1
        // for the worst case, then random terms.
        int maxTerms = (int) Math.min(64, Long.divideUnsigned(-1L, q));
        for (int trial = 0; trial < 200; trial++) {
            int terms = trial == 0 ? maxTerms : 1 + rnd.nextInt(maxTerms);
            long hi = 0;
            long lo = 0;
            BigInteger sum = BigInteger.ZERO;
            for (int j = 0; j < terms; j++) {
                long a = trial == 0 ? q - 1 : s[rnd.nextInt(s.length)];
                long b = trial == 0 ? q - 1 : s[rnd.nextInt(s.length)];
                BigInteger p = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b));
                sum = sum.add(p);
                long pl = a * b;
                long s0 = lo + pl;
                hi += Math.multiplyHigh(a, b) + (Long.compareUnsigned(s0, lo) < 0 ? 1 : 0);
                lo = s0;
            }
            assertEquals(sum, BigInteger.valueOf(hi).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo))));
            long expected = sum.multiply(rInv).mod(bq).longValue();
            assertEquals(expected, m.montgomeryReduce(hi, lo), "q=" + q + " terms=" + terms);
        }
    }

    @Test
    void lazyAdditionStaysInTwoQ() {
        Modulus m = new Modulus((1L << 61) - 1);
        long q = m.value();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long a = rnd.nextLong(2 * q);
            long b = rnd.nextLong(2 * q);
            long s = m.addLazy(a, b);
            assertTrue(s >= 0 && s < 2 * q);
            assertEquals((a % q + b % q) % q, s % q);
        }
    }

    @Test
    void rejectsInvalidModuli() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Modulus(1L << 61 | 1));
        assertTrue(e.getMessage().contains("at most 61 bits"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Modulus(1024));
        assertThrows(IllegalArgumentException.class, () -> new Modulus(1));
        assertThrows(IllegalArgumentException.class, () -> new Modulus(-7));
        Modulus m = new Modulus(17);
        assertThrows(IllegalArgumentException.class, () -> m.shoup(17));
        assertThrows(IllegalArgumentException.class, () -> m.pow(2, -1));
        assertEquals(-1, m.centered(16));
        assertEquals(8, m.centered(8));
    }
}
