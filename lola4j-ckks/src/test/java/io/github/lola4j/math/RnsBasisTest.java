package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RnsBasisTest {

    private static final long[] Q = Primes.nttPrimesNear(1024, new int[] {60, 40, 40, 40, 50});
    private static final long[] P = Primes.nttPrimesNear(1024, new int[] {61, 61}, Q);

    @Test
    void crtRoundTripAgainstBigInteger() {
        RnsBasis b = new RnsBasis(Q);
        BigInteger prod = BigInteger.ONE;
        for (long q : Q) {
            prod = prod.multiply(BigInteger.valueOf(q));
        }
        assertEquals(prod, b.product());
        assertEquals(prod.bitLength(), Math.ceil(b.log2Product()), 1.0);
        Random rnd = new Random(5);
        for (int i = 0; i < 500; i++) {
            BigInteger x = new BigInteger(prod.bitLength() + 3, rnd).mod(prod);
            long[] r = b.decompose(x);
            for (int j = 0; j < Q.length; j++) {
                assertEquals(x.mod(BigInteger.valueOf(Q[j])).longValue(), r[j]);
            }
            assertEquals(x, b.reconstruct(r));
            BigInteger centered = x.compareTo(prod.shiftRight(1)) > 0 ? x.subtract(prod) : x;
            assertEquals(centered, b.reconstructCentered(r));
        }
        assertEquals(BigInteger.ONE.negate(), b.reconstructCentered(b.decompose(BigInteger.ONE.negate())));
    }

    @Test
    void fastBaseConversionIsExactUpToASmallMultipleOfQ() {
        RnsBasis from = new RnsBasis(Q);
        RnsBasis to = new RnsBasis(P);
        BaseConverter conv = new BaseConverter(from, to);
        int n = 256;
        Random rnd = new Random(9);
        BigInteger[] xs = new BigInteger[n];
        long[][] in = new long[Q.length][n];
        for (int c = 0; c < n; c++) {
            xs[c] = c == 0 ? BigInteger.ZERO : c == 1 ? from.product().subtract(BigInteger.ONE)
                    : new BigInteger(from.product().bitLength() + 2, rnd).mod(from.product());
            long[] r = from.decompose(xs[c]);
            for (int i = 0; i < Q.length; i++) {
                in[i][c] = r[i];
            }
        }
        long[][] out = new long[P.length][n];
        conv.convert(in, out);
        for (int c = 0; c < n; c++) {
            // Find u with out = x + u Q in every target prime, and check 0 <= u < |Q|.
            int u = -1;
            for (int cand = 0; cand < Q.length; cand++) {
                BigInteger v = xs[c].add(from.product().multiply(BigInteger.valueOf(cand)));
                boolean all = true;
                for (int j = 0; j < P.length; j++) {
                    all &= v.mod(BigInteger.valueOf(P[j])).longValue() == out[j][c];
                }
                if (all) {
                    u = cand;
                    break;
                }
            }
            assertTrue(u >= 0, "coefficient " + c + " is not x + uQ with 0 <= u < " + Q.length);
        }
        assertThrows(IllegalArgumentException.class, () -> conv.convert(new long[2][n], out));
    }

    @Test
    void centeredConversionIsExact() {
        RnsBasis from = new RnsBasis(Q);
        RnsBasis to = new RnsBasis(P);
        BaseConverter conv = new BaseConverter(from, to);
        int n = 300;
        Random rnd = new Random(10);
        BigInteger half = from.product().shiftRight(1);
        BigInteger[] xs = new BigInteger[n];
        long[][] in = new long[Q.length][n];
        for (int c = 0; c < n; c++) {
            // Small values of both signs, values near +-Q/2 (outside the documented 2^-50 band where the
            // floating-point rounding may pick either representative), and random values.
            xs[c] = switch (c % 4) {
                case 0 -> BigInteger.valueOf(rnd.nextInt(2001) - 1000);
                case 1 -> half.add(from.product().shiftRight(40).multiply(BigInteger.valueOf(c % 8 == 1 ? -1 : 1)));
                default -> new BigInteger(from.product().bitLength() + 2, rnd).mod(from.product());
            };
            long[] r = from.decompose(xs[c]);
            for (int i = 0; i < Q.length; i++) {
                in[i][c] = r[i];
            }
        }
        long[][] out = new long[P.length][n];
        conv.convertCentered(in, out);
        for (int c = 0; c < n; c++) {
            BigInteger centered = from.reconstructCentered(from.decompose(xs[c]));
            for (int j = 0; j < P.length; j++) {
                assertEquals(centered.mod(BigInteger.valueOf(P[j])).longValue(), out[j][c], "coefficient " + c);
            }
        }
    }

    @Test
    void scaledConversionMultipliesEachOutputByItsFactor() {
        RnsBasis from = new RnsBasis(Q);
        RnsBasis to = new RnsBasis(P);
        long[] factors = new long[P.length];
        for (int j = 0; j < P.length; j++) {
            factors[j] = to.modulus(j).montgomeryFactor();
        }
        BaseConverter plain = new BaseConverter(from, to);
        BaseConverter scaled = plain.scaled(factors);
        BaseConverter twice = scaled.scaled(factors);
        int n = 700;   // not a multiple of the block size
        Random rnd = new Random(11);
        long[][] in = new long[Q.length][n];
        for (int i = 0; i < Q.length; i++) {
            for (int c = 0; c < n; c++) {
                in[i][c] = Math.floorMod(rnd.nextLong(), Q[i]);
            }
        }
        long[][] a = new long[P.length][n];
        long[][] b = new long[P.length][n];
        long[][] d = new long[P.length][n];
        for (boolean centered : new boolean[] {false, true}) {
            if (centered) {
                plain.convertCentered(in, a);
                scaled.convertCentered(in, b);
                twice.convertCentered(in, d);
            } else {
                plain.convert(in, a);
                scaled.convert(in, b);
                twice.convert(in, d);
            }
            for (int j = 0; j < P.length; j++) {
                Modulus pj = to.modulus(j);
                for (int c = 0; c < n; c++) {
                    assertEquals(pj.mul(a[j][c], factors[j]), b[j][c], "centered=" + centered + " row " + j + " coefficient " + c);
                    assertEquals(pj.mul(b[j][c], factors[j]), d[j][c], "centered=" + centered + " row " + j + " coefficient " + c);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> plain.scaled(1));
        assertThrows(IllegalArgumentException.class, () -> plain.scaled(P[0], 1));
    }

    @Test
    void singlePrimeSourceConvertsExactly() {
        // One source prime larger and one smaller than the targets, so the inputs both need and skip reduction.
        for (long q : new long[] {Q[0], Q[1]}) {
            RnsBasis from = new RnsBasis(q);
            RnsBasis to = new RnsBasis(P[0], P[1], Q[4]);
            long[] factors = {3, to.modulus(1).montgomeryFactor(), 1};
            BaseConverter plain = new BaseConverter(from, to);
            BaseConverter scaled = plain.scaled(factors);
            int n = 300;
            Random rnd = new Random(12);
            long[][] in = new long[1][n];
            long[] edges = {0, 1, q / 2 - 1, q / 2, q / 2 + 1, q - 1};
            for (int c = 0; c < n; c++) {
                in[0][c] = c < edges.length ? edges[c] : Math.floorMod(rnd.nextLong(), q);
            }
            long[][] a = new long[3][n];
            long[][] b = new long[3][n];
            long[][] d = new long[3][n];
            plain.convert(in, a);
            plain.convertCentered(in, b);
            scaled.convertCentered(in, d);
            for (int c = 0; c < n; c++) {
                long x = in[0][c];
                long centered = x > q / 2 ? x - q : x;
                for (int j = 0; j < 3; j++) {
                    Modulus pj = to.modulus(j);
                    assertEquals(Math.floorMod(x, pj.value()), a[j][c], "plain, x=" + x);
                    assertEquals(Math.floorMod(centered, pj.value()), b[j][c], "centered, x=" + x);
                    assertEquals(pj.mul(b[j][c], factors[j]), d[j][c], "scaled, x=" + x);
                }
            }
        }
    }

    @Test
    void rejectsBadBases() {
        assertThrows(IllegalArgumentException.class, RnsBasis::new);
        assertThrows(IllegalArgumentException.class, () -> new RnsBasis(Q[0], Q[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RnsBasis(Q[0], 91));
        assertTrue(e.getMessage().contains("not prime"), e.getMessage());
        RnsBasis b = new RnsBasis(Q);
        assertThrows(IllegalArgumentException.class, () -> b.reconstruct(1, 2));
        assertThrows(IllegalArgumentException.class, () -> b.reconstruct(new long[] {-1, 0, 0, 0, 0}));
        assertArrayEquals(Q, b.values());
    }
}
