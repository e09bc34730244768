package io.github.lola4j.math;

import java.util.HashSet;
import java.util.Set;

/**
 * Primality testing and the search for NTT-friendly primes.
 *
 * <p>A prime q supports the negacyclic NTT of size N exactly when q = 1 (mod 2N): then Z_q holds a
 * primitive 2N-th root of unity. CKKS rescales by dividing by a prime, and the scale stays put
 * only if that prime is close to the scale 2^k; so chains are searched outwards from 2^k, nearest
 * candidate first. All searches are deterministic: the same request always yields the same primes
 * in the same order.
 */
public final class Primes {

    /** Bases for which Miller-Rabin is deterministic for every n &lt; 2^64 (Sinclair's set). */
    private static final long[] MR_BASES = {2, 325, 9375, 28178, 450775, 9780504, 1795265022};
    private static final int[] SMALL_PRIMES = {3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71};

    private Primes() {
    }

    /**
     * Deterministic primality test for every non-negative 64-bit integer below 2^63.
     *
     * @param n the candidate
     * @return whether n is prime
     */
    public static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        if (n < 4) {
            return true;
        }
        if ((n & 1) == 0) {
            return false;
        }
        for (int p : SMALL_PRIMES) {
            if (n == p) {
                return true;
            }
            if (n % p == 0) {
                return false;
            }
        }
        long d = n - 1;
        int s = Long.numberOfTrailingZeros(d);
        d >>= s;
        for (long base : MR_BASES) {
            long a = base % n;
            if (a == 0) {
                continue;
            }
            long x = powMod(a, d, n);
            if (x == 1 || x == n - 1) {
                continue;
            }
            boolean composite = true;
            for (int r = 1; r < s; r++) {
                x = mulMod(x, x, n);
                if (x == n - 1) {
                    composite = false;
                    break;
                }
            }
            if (composite) {
                return false;
            }
        }
        return true;
    }

    /** a*b mod n for 0 &le; a, b &lt; n &lt; 2^63, by shift-and-add on the bits of b (setup only). */
    static long mulMod(long a, long b, long n) {
        if (a < (1L << 31) && b < (1L << 31)) {
            return (a * b) % n;
        }
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) {
            return lo % n;
        }
        // Horner over the bits of b; every partial value stays below n < 2^63, so 2r fits unsigned.
        long r = 0;
        for (int i = 63 - Long.numberOfLeadingZeros(b); i >= 0; i--) {
            r = addModUnsigned(r, r, n);
            if (((b >>> i) & 1) != 0) {
                r = addModUnsigned(r, a, n);
            }
        }
        return r;
    }

    private static long addModUnsigned(long x, long y, long n) {
        long s = x + y;
        if (Long.compareUnsigned(s, n) >= 0) {
            s -= n;
        }
        return s;
    }

    static long powMod(long a, long e, long n) {
        long result = 1;
        long base = a % n;
        while (e != 0) {
            if ((e & 1) != 0) {
                result = mulMod(result, base, n);
            }
            base = mulMod(base, base, n);
            e >>>= 1;
        }
        return result;
    }

    /**
     * Distinct NTT-friendly primes q = 1 (mod 2N), one per requested bit size, each as close to
     * 2^bits as possible (searched outwards, the lower candidate first at equal distance), skipping
     * primes already chosen earlier in this call or listed in {@code exclude}.
     *
     * <p>A prime just above 2^k has k+1 bits; sizes of 61 are searched below 2^61 only, so every
     * result fits {@link Modulus#MAX_BITS}.
     *
     * @param ringDegree N, a power of two in [2, 2^17]
     * @param bitSizes   the requested sizes, each in [(log2 2N) + 2, 61]
     * @param exclude    primes that must not be returned (for example those of another chain)
     * @return the primes, in the order of {@code bitSizes}
     * @throws IllegalArgumentException on an invalid degree or size, or when no prime exists
     */
    public static long[] nttPrimesNear(int ringDegree, int[] bitSizes, long... exclude) {
        checkDegree(ringDegree);
        long m = 2L * ringDegree;
        int logM = Long.numberOfTrailingZeros(m);
        Set<Long> used = new HashSet<>();
        for (long e : exclude) {
            used.add(e);
        }
        long[] out = new long[bitSizes.length];
        for (int i = 0; i < bitSizes.length; i++) {
            int k = bitSizes[i];
            if (k < logM + 2 || k > Modulus.MAX_BITS) {
                throw new IllegalArgumentException("bitSizes[" + i + "] = " + k + " must be in [" + (logM + 2) + ", "
                        + Modulus.MAX_BITS + "] for ring degree " + ringDegree);
            }
            out[i] = nearest(1L << k, m, k == Modulus.MAX_BITS, used, k);
            used.add(out[i]);
        }
        return out;
    }

    private static long nearest(long center, long m, boolean belowOnly, Set<Long> used, int k) {
        // Candidates are center + 1 + j*m (center is a multiple of m since k >= log2 m). By distance
        // from center they come as: up_0 (1), down_1 (m - 1), up_1 (m + 1), down_2 (2m - 1), ...
        long lowLimit = 1L << (k - 1);           // below this the prime would have fewer bits than asked
        long highLimit = 1L << Modulus.MAX_BITS; // above this it would not fit a Modulus
        for (long j = 0; ; j++) {
            long up = center + 1 + j * m;
            long down = center + 1 - (j + 1) * m;
            boolean upOk = !belowOnly && up < highLimit;
            boolean downOk = down > lowLimit;
            if (!upOk && !downOk) {
                throw new IllegalArgumentException("no NTT-friendly prime near 2^" + k + " for 2N = " + m);
            }
            if (upOk && !used.contains(up) && isPrime(up)) {
                return up;
            }
            if (downOk && !used.contains(down) && isPrime(down)) {
                return down;
            }
        }
    }

    /**
     * The {@code count} largest distinct primes q = 1 (mod 2N) below 2^bits (SEAL's convention),
     * in decreasing order.
     *
     * @param ringDegree N, a power of two in [2, 2^17]
     * @param bits       the bit size, in [(log2 2N) + 2, 61]
     * @param count      how many primes, at least 1
     * @return the primes, each of exactly {@code bits} bits
     * @throws IllegalArgumentException on invalid arguments or when not enough primes exist
     */
    public static long[] nttPrimesBelow(int ringDegree, int bits, int count) {
        checkDegree(ringDegree);
        long m = 2L * ringDegree;
        int logM = Long.numberOfTrailingZeros(m);
        if (bits < logM + 2 || bits > Modulus.MAX_BITS) {
            throw new IllegalArgumentException("bits = " + bits + " must be in [" + (logM + 2) + ", "
                    + Modulus.MAX_BITS + "] for ring degree " + ringDegree);
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        long[] out = new long[count];
        int found = 0;
        for (long c = (1L << bits) + 1 - m; c > (1L << (bits - 1)) && found < count; c -= m) {
            if (isPrime(c)) {
                out[found++] = c;
            }
        }
        if (found < count) {
            throw new IllegalArgumentException("only " + found + " NTT-friendly primes of " + bits
                    + " bits exist for 2N = " + m + ", asked for " + count);
        }
        return out;
    }

    /**
     * The smallest primitive 2N-th root of unity mod q, as an integer in [0, q): the root the NTT
     * tables are built from, chosen so that they do not depend on how it was found.
     *
     * @param ringDegree N, a power of two
     * @param q          a prime with q = 1 (mod 2N), below 2^61
     * @return psi with psi^N = -1 mod q
     * @throws IllegalArgumentException if q is not 1 mod 2N or no root exists (q not prime)
     */
    public static long minimalPrimitive2NthRoot(int ringDegree, long q) {
        long m = 2L * ringDegree;
        if (q < 3 || (q - 1) % m != 0) {
            throw new IllegalArgumentException("modulus " + q + " is not 1 mod 2N = " + m);
        }
        Modulus mod = new Modulus(q);
        long cofactor = (q - 1) / m;
        long root = -1;
        // x^((q-1)/2N) has order dividing 2N, a power of two; its order is exactly 2N iff its N-th power is -1.
        for (long x = 2; x < q && x < 1_000_000; x++) {
            long y = mod.pow(x, cofactor);
            if (mod.pow(y, ringDegree) == q - 1) {
                root = y;
                break;
            }
        }
        if (root < 0) {
            throw new IllegalArgumentException("no primitive 2N-th root of unity modulo " + q + " (is it prime?)");
        }
        // Every primitive 2N-th root is an odd power of this one.
        long best = root;
        long r2 = mod.mul(root, root);
        long cur = root;
        for (long i = 1; i < m; i += 2) {
            if (cur < best) {
                best = cur;
            }
            cur = mod.mul(cur, r2);
        }
        return best;
    }

    private static void checkDegree(int n) {
        if (n < 2 || n > (1 << 17) || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("ring degree must be a power of two in [2, 131072], got " + n);
        }
    }
}
