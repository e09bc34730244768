package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.ring.BasisExtender;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import io.github.lola4j.testkit.CkksContext;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A known-answer test of the key switch's inner product: {@link KeySwitcher#switchKey} must equal,
 * bit for bit, ModDown of the inner product of the ModUp digits with the key computed by BigInteger
 * sums, at the top, middle and bottom level, on one and on two threads. The sets cover both forms
 * the inner product takes: primes below 2^30 (64-bit sums) and above (Montgomery-form 128-bit
 * sums), with more digits than one 64-bit sum of 30-bit products holds (eight), so that its
 * reductions per chunk of digits run.
 */
class KeySwitcherTest {

    /** N = 1024, insecure: twelve 30-bit primes and one each of 55, 45 and 35 bits, one digit per prime. */
    private static final String MANY_DIGITS = "many-digits";

    private static CkksParameters params(String name) {
        if (name.equals(MANY_DIGITS)) {
            return CkksParameters.builder().ringDegree(1024)
                    .primeBits(55, 30, 30, 30, 30, 30, 30, 45, 30, 30, 30, 30, 30, 30, 35).specialPrimeBits(60).dnum(15)
                    .scaleBits(40).securityLevel(SecurityLevel.NONE).build();
        }
        return CkksContext.params(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {MANY_DIGITS, "logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40", "logN=14/L=6/P=1/scale=40",
        "logN=10/L=2/P=1/scale=30/insecure"})
    void switchKeyEqualsBigIntegerInnerProduct(String name) {
        CkksParameters params = params(name);
        KeyGenerator kg = new KeyGenerator(params, new SecureRandom());
        SecretKey sk = kg.secretKey();
        KeySwitcher ks = params.keySwitcher();
        boolean[] forms = new boolean[2];
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            SplittableRandom rnd = new SplittableRandom(name.hashCode());
            // A key for every level, then one made for levels up to the middle one only (fewer rows and digits).
            for (int[] keyAndLevel : new int[][] {{params.maxLevel(), params.maxLevel()}, {params.maxLevel(), params.maxLevel() / 2},
                {params.maxLevel(), 0}, {params.maxLevel() / 2, params.maxLevel() / 2}, {params.maxLevel() / 2, 0}}) {
                SwitchingKey key = kg.relinearizationKey(sk, keyAndLevel[0]);
                assertEquals(keyAndLevel[0], key.level());
                assertEquals(ks.digitsAtLevel(keyAndLevel[0]), key.digits());
                int level = keyAndLevel[1];
                RnsRing ring = params.ringQ().atLevel(level);
                RnsPoly d = new RnsPoly(ring, true);
                for (int i = 0; i <= level; i++) {
                    long q = ring.modulus(i).value();
                    long[] row = d.limb(i);
                    for (int c = 0; c < row.length; c++) {
                        row[c] = rnd.nextLong(q);
                    }
                }
                RnsPoly[] digits = ks.modUp(d, Parallelism.sequential());
                assertEquals(ks.digitsAtLevel(level), digits.length);
                RnsRing qp = ks.ringQP(level);
                RnsPoly[] expected = new RnsPoly[2];
                for (int half = 0; half < 2; half++) {
                    RnsPoly[] keys = new RnsPoly[digits.length];
                    for (int j = 0; j < digits.length; j++) {
                        keys[j] = ks.restrictToLevel(half == 0 ? key.b(j) : key.a(j), level);
                    }
                    RnsPoly acc = new RnsPoly(qp, true);
                    for (int t = 0; t < qp.limbs(); t++) {
                        Modulus m = qp.modulus(t);
                        forms[BasisExtender.small(m) ? 0 : 1] = true;
                        BigInteger q = BigInteger.valueOf(m.value());
                        // Digits of large primes carry 2^64 when several are summed; the reduction removes it.
                        boolean plain = BasisExtender.small(m) || !ks.montgomeryDigits(level);
                        BigInteger unit = plain ? BigInteger.ONE : BigInteger.ONE.shiftLeft(64).modInverse(q);
                        long[] z = acc.limb(t);
                        for (int c = 0; c < z.length; c++) {
                            BigInteger s = BigInteger.ZERO;
                            for (int j = 0; j < digits.length; j++) {
                                s = s.add(BigInteger.valueOf(digits[j].limb(t)[c]).multiply(BigInteger.valueOf(keys[j].limb(t)[c])));
                            }
                            z[c] = s.multiply(unit).mod(q).longValueExact();
                        }
                    }
                    expected[half] = new RnsPoly(ring, true);
                    ks.modDown(acc, null, expected[half], Parallelism.sequential());
                }
                for (Parallelism par : new Parallelism[] {Parallelism.sequential(), Parallelism.of(pool)}) {
                    RnsPoly[] actual = ks.switchKey(d, key, par);
                    for (int half = 0; half < 2; half++) {
                        for (int i = 0; i <= level; i++) {
                            assertArrayEquals(expected[half].limb(i), actual[half].limb(i),
                                    name + ", level " + level + ", half " + half + ", limb " + i);
                        }
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        if (name.equals(MANY_DIGITS)) {
            assertTrue(forms[0] && forms[1], "both inner-product forms were exercised");
        }
    }
}
