package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrimesTest {

    @Test
    void isPrimeMatchesBigIntegerOnRandomAndHardInputs() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 20_000; i++) {
            long n = rnd.nextLong() >>> (1 + rnd.nextInt(62));
            assertEquals(BigInteger.valueOf(n).isProbablePrime(64), Primes.isPrime(n), "n=" + n);
        }
        for (int n = 0; n < 5000; n++) {
            assertEquals(BigInteger.valueOf(n).isProbablePrime(64), Primes.isPrime(n), "n=" + n);
        }
        // Carmichael numbers and strong pseudoprimes to several small bases.
        long[] composites = {561, 1105, 1729, 2047, 3215031751L, 2152302898747L, 3474749660383L,
                341550071728321L, 3825123056546413051L, 318665857834031151L};
        for (long c : composites) {
            assertFalse(Primes.isPrime(c), "composite " + c);
        }
        long[] primes = {(1L << 61) - 1, 2305843009213554689L, 1152921504606584833L, 4611686018427387847L};
        for (long p : primes) {
            assertTrue(Primes.isPrime(p), "prime " + p);
        }
    }

    @Test
    void primesNearAreNttFriendlyDistinctAndNearest() {
        int n = 4096;
        int[] bits = {60, 40, 40, 40, 40, 61, 30};
        long[] ps = Primes.nttPrimesNear(n, bits);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < ps.length; i++) {
            long p = ps[i];
            assertTrue(Primes.isPrime(p));
            assertEquals(1, p % (2L * n), "q = 1 mod 2N");
            assertTrue(seen.add(p), "distinct");
            assertTrue(p < (1L << 61), "fits 61 bits");
            long dist = Math.abs(p - (1L << bits[i]));
            // No unused NTT-friendly prime is strictly closer to 2^k.
            for (long c = (1L << bits[i]) + 1 - ((dist / (2L * n)) + 1) * 2L * n; c <= (1L << bits[i]) + dist; c += 2L * n) {
                if (Math.abs(c - (1L << bits[i])) < dist && c < (1L << 61) && Primes.isPrime(c)) {
                    assertTrue(contains(ps, c, i), "closer prime " + c + " than " + p + " for 2^" + bits[i]);
                }
            }
        }
        assertArrayEquals(ps, Primes.nttPrimesNear(n, bits), "deterministic");
        long[] other = Primes.nttPrimesNear(n, new int[] {40}, ps);
        assertFalse(contains(ps, other[0], ps.length), "exclusions respected");
    }

    private static boolean contains(long[] a, long v, int upTo) {
        for (int i = 0; i < upTo; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    @Test
    void primesBelowMatchBruteForce() {
        long[] ps = Primes.nttPrimesBelow(1024, 30, 5);
        long m = 2048;
        int found = 0;
        for (long c = (1L << 30) + 1 - m; found < 5; c -= m) {
            if (BigInteger.valueOf(c).isProbablePrime(64)) {
                assertEquals(c, ps[found++]);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Primes.nttPrimesBelow(1 << 16, 20, 100));
        assertThrows(IllegalArgumentException.class, () -> Primes.nttPrimesNear(1000, new int[] {40}));
        assertThrows(IllegalArgumentException.class, () -> Primes.nttPrimesNear(1024, new int[] {62}));
    }

    @Test
    void minimalRootIsAPrimitive2NthRoot() {
        for (int n : new int[] {2, 1024, 1 << 17}) {
            long q = Primes.nttPrimesNear(n, new int[] {50})[0];
            long psi = Primes.minimalPrimitive2NthRoot(n, q);
            Modulus m = new Modulus(q);
            assertEquals(q - 1, m.pow(psi, n), "psi^N = -1");
            assertEquals(1, m.pow(psi, 2L * n));
        }
        assertThrows(IllegalArgumentException.class, () -> Primes.minimalPrimitive2NthRoot(4096, 12289));
    }
}
