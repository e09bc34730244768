package io.github.lola4j.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.math.Primes;
import io.github.lola4j.testkit.Naive;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RnsPolyTest {

    private static final int N = 256;
    private static final RnsRing RING = RnsRing.create(N, Primes.nttPrimesNear(N, new int[] {55, 40, 61}));

    private static RnsPoly random(RnsRing ring, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RnsPoly p = new RnsPoly(ring, false);
        for (int i = 0; i < ring.limbs(); i++) {
            long q = ring.modulus(i).value();
            long[] row = p.limb(i);
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextLong(q);
            }
        }
        return p;
    }

    @Test
    void ringOpsMatchNaivePerLimb() {
        RnsPoly a = random(RING, 1);
        RnsPoly b = random(RING, 2);
        RnsPoly sum = new RnsPoly(RING, false);
        RnsPoly diff = new RnsPoly(RING, false);
        RnsPoly neg = new RnsPoly(RING, false);
        RnsPoly scaled = new RnsPoly(RING, false);
        a.add(b, sum);
        a.sub(b, diff);
        a.neg(neg);
        a.mulScalar(-123456789L, scaled);
        RnsPoly fa = a.copy();
        RnsPoly fb = b.copy();
        fa.toNtt();
        fb.toNtt();
        RnsPoly prod = new RnsPoly(RING, true);
        fa.mul(fb, prod);
        prod.toCoeff();
        for (int i = 0; i < RING.limbs(); i++) {
            long q = RING.modulus(i).value();
            long[] expected = Naive.negacyclicProduct(a.limb(i), b.limb(i), q);
            assertArrayEquals(expected, prod.limb(i), "product limb " + i);
            for (int j = 0; j < N; j++) {
                long x = a.limb(i)[j];
                long y = b.limb(i)[j];
                assertEquals((x + y) % q, sum.limb(i)[j]);
                assertEquals(Math.floorMod(x - y, q), diff.limb(i)[j]);
                assertEquals((q - x) % q, neg.limb(i)[j]);
                assertEquals(Naive.mulMod(x, Math.floorMod(-123456789L, q), q), scaled.limb(i)[j]);
            }
        }
    }

    @Test
    void intoFormsMayAliasTheirInputs() {
        RnsPoly a = random(RING, 3);
        RnsPoly b = random(RING, 4);
        RnsPoly expected = new RnsPoly(RING, false);
        a.add(b, expected);
        RnsPoly x = a.copy();
        x.add(b, x);
        assertEquals(expected, x);
        RnsPoly y = b.copy();
        a.add(y, y);
        assertEquals(expected, y);
        RnsPoly fa = a.copy();
        fa.toNtt();
        RnsPoly sq = new RnsPoly(RING, true);
        fa.mul(fa, sq);
        fa.mul(fa, fa);
        assertEquals(sq, fa);
        RnsPoly acc = sq.copy();
        sq.mulAdd(sq, acc);
        RnsPoly twice = new RnsPoly(RING, true);
        sq.mul(sq, twice);
        twice.add(sq, twice);
        assertEquals(twice, acc);
    }

    @ParameterizedTest(name = "g={0}")
    @ValueSource(longs = {1, 3, 5, 25, 125, 511, 2 * N - 1})
    void automorphismAgreesInBothFormsAndWithTheDefinition(long g) {
        RnsPoly a = random(RING, g);
        RnsPoly coeffOut = new RnsPoly(RING, false);
        a.automorphism(g, coeffOut);
        for (int i = 0; i < RING.limbs(); i++) {
            assertArrayEquals(Naive.automorphism(a.limb(i), g, RING.modulus(i).value()), coeffOut.limb(i));
        }
        RnsPoly fa = a.copy();
        fa.toNtt();
        RnsPoly nttOut = new RnsPoly(RING, true);
        fa.automorphism(g, nttOut);
        nttOut.toCoeff();
        assertEquals(coeffOut, nttOut);
        assertThrows(IllegalArgumentException.class, () -> a.automorphism(g, a));
    }

    @Test
    void automorphismsCompose() {
        RnsPoly a = random(RING, 11);
        a.toNtt();
        RnsPoly t = new RnsPoly(RING, true);
        RnsPoly u = new RnsPoly(RING, true);
        a.automorphism(5, t);
        t.automorphism(5, u);
        RnsPoly direct = new RnsPoly(RING, true);
        a.automorphism(25, direct);
        assertEquals(direct, u);
    }

    @Test
    void signedCoefficientsAndLimbDropping() {
        long[] small = new long[N];
        for (int j = 0; j < N; j++) {
            small[j] = (j % 5) - 2;
        }
        RnsPoly p = RnsPoly.fromSigned(RING, small, true);
        assertTrue(p.isNtt());
        p.toCoeff();
        for (int i = 0; i < RING.limbs(); i++) {
            long q = RING.modulus(i).value();
            for (int j = 0; j < N; j++) {
                assertEquals(Math.floorMod(small[j], q), p.limb(i)[j]);
            }
        }
        RnsPoly d = p.dropToLimbs(2);
        assertEquals(2, d.limbs());
        assertEquals(1, d.level());
        assertArrayEquals(p.limb(1), d.limb(1));
        d.limb(0)[0] = 7;
        assertTrue(p.limb(0)[0] != 7 || small[0] == 7, "dropToLimbs copies");
        RnsPoly v = p.prefixView(1);
        v.limb(0)[1] = 42;
        assertEquals(42, p.limb(0)[1], "prefixView shares rows");
        assertThrows(IllegalArgumentException.class, () -> p.dropToLimbs(4));
    }

    @Test
    void mismatchedOperandsAreRejectedWithClearMessages() {
        RnsPoly a = random(RING, 5);
        RnsPoly b = random(RING.atLevel(1), 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b, a));
        assertTrue(e.getMessage().startsWith("add: operands are over different rings"), e.getMessage());
        RnsPoly c = random(RING, 7);
        c.toNtt();
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> a.sub(c, a));
        assertTrue(s.getMessage().contains("different forms"), s.getMessage());
        assertThrows(IllegalStateException.class, () -> a.mul(a, a));
        assertThrows(IllegalArgumentException.class, () -> a.automorphism(2, new RnsPoly(RING, false)));
        assertThrows(IllegalArgumentException.class, () -> RnsRing.create(N, RING.modulus(0).value(), RING.modulus(0).value()));
        assertThrows(IllegalArgumentException.class, () -> RING.concat(RING));
        RnsRing p = RnsRing.create(N, Primes.nttPrimesNear(N, new int[] {50}));
        RnsRing qp = RING.concat(p);
        assertEquals(4, qp.limbs());
        assertEquals(p.modulus(0), qp.modulus(3));
        assertTrue(qp.subRing(0, 3).sameAs(RING));
    }
}
