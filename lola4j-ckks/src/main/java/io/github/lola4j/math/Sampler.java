package io.github.lola4j.math;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * The random distributions of RLWE: uniform residues, ternary secrets (uniform or of fixed
 * Hamming weight) and the centered discrete Gaussian of standard deviation 3.2 bounded at six
 * standard deviations (the Homomorphic Encryption Standard's error distribution).
 *
 * <p>All randomness comes from the injected {@link SecureRandom}: each call draws a fresh 32-byte
 * seed from it and expands that seed with AES-256-CTR ({@link SeedExpander}), which is both the
 * usual construction of a cryptographic PRG and much faster than drawing every word from the
 * {@code SecureRandom}. Thread-safe when the {@code SecureRandom} is (the JDK's are).
 *
 * <p>A sampler can also be {@linkplain #expanding(byte[]) expanded from one seed}: it then takes
 * its per-call seeds from that seed's AES-256-CTR stream instead. That is how a parallel task gets
 * randomness of its own that does not depend on which thread runs it or when: the caller draws one
 * seed per task from its {@code SecureRandom}, in a fixed order, on its own thread.
 *
 * <p>Small distributions are returned as signed integers ({@code long[]}); callers turn them into
 * residues per prime, which keeps one polynomial consistent across all its RNS limbs.
 */
public final class Sampler {

    /** The standard deviation of the error distribution. */
    public static final double SIGMA = 3.2;
    /** Error coefficients are bounded in absolute value by this (floor of 6 sigma). */
    public static final int GAUSSIAN_BOUND = 19;

    /** CDT of |x| for the folded Gaussian, scaled to 2^63: P(|x| &le; k) * 2^63. */
    private static final long[] CDT = buildCdt();

    /** The domain of an expanding sampler's seed stream (0-3 are the distributions' own). */
    private static final long SEED_STREAM = 4;

    private final SecureRandom random;
    /** The source of per-call seeds of an expanding sampler, else null. */
    private final SeedExpander seeds;

    /**
     * Creates a sampler.
     *
     * @param random the source of all randomness (for keys and encryption: a {@code SecureRandom}
     *               from the JDK, never a seeded one outside tests)
     */
    public Sampler(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
        this.seeds = null;
    }

    private Sampler(SeedExpander seeds) {
        this.random = null;
        this.seeds = seeds;
    }

    /**
     * A sampler whose randomness is all expanded from one seed: the same seed gives the same
     * draws, in the same distributions as a sampler over a {@code SecureRandom}. Not thread-safe:
     * one per task.
     *
     * <p>The seed must be fresh from a {@code SecureRandom} (for instance {@link #newSeed()} of
     * the caller's sampler) and used for one sampler only: everything this sampler draws is a
     * function of it. The per-call seeds come from the seed's own stream (domain 4), so a seed a
     * ciphertext or key publishes reveals neither the task seed nor the other draws.
     *
     * @param seed exactly {@link SeedExpander#SEED_BYTES} bytes (not modified, not retained)
     * @return the sampler
     * @throws IllegalArgumentException if the seed is not 32 bytes
     */
    public static Sampler expanding(byte[] seed) {
        return new Sampler(new SeedExpander(seed, SEED_STREAM));
    }

    private static long[] buildCdt() {
        double[] p = new double[GAUSSIAN_BOUND + 1];
        double total = 0;
        for (int k = 0; k <= GAUSSIAN_BOUND; k++) {
            double w = Math.exp(-(double) k * k / (2 * SIGMA * SIGMA));
            p[k] = k == 0 ? w : 2 * w;
            total += p[k];
        }
        long[] cdt = new long[GAUSSIAN_BOUND + 1];
        double acc = 0;
        for (int k = 0; k <= GAUSSIAN_BOUND; k++) {
            acc += p[k] / total;
            cdt[k] = k == GAUSSIAN_BOUND ? Long.MAX_VALUE : (long) Math.min(acc * 0x1p63, (double) Long.MAX_VALUE);
        }
        return cdt;
    }

    /**
     * A fresh seed from the {@code SecureRandom} (or, for an {@linkplain #expanding(byte[])
     * expanding} sampler, the next 32 bytes of its seed's stream).
     *
     * @return 32 random bytes
     */
    public byte[] newSeed() {
        byte[] seed = new byte[SeedExpander.SEED_BYTES];
        if (seeds == null) {
            random.nextBytes(seed);
        } else {
            for (int i = 0; i < seed.length; i += 8) {
                long w = seeds.nextLong();
                for (int k = 0; k < 8; k++) {
                    seed[i + k] = (byte) (w >>> (8 * k));
                }
            }
        }
        return seed;
    }

    /**
     * Fills each row with residues uniform mod its prime; by the CRT the rows together are a
     * uniform element mod the product.
     *
     * @param moduli one modulus per row
     * @param out    the rows (modified)
     */
    public void uniform(Modulus[] moduli, long[][] out) {
        uniformFromSeed(newSeed(), 0, moduli, out);
    }

    /**
     * The deterministic uniform polynomial of a seed: what a compressed ciphertext or key stores.
     *
     * @param seed   32 bytes
     * @param domain a stream separator, so one seed can give several independent polynomials
     * @param moduli one modulus per row
     * @param out    the rows (modified)
     */
    public static void uniformFromSeed(byte[] seed, long domain, Modulus[] moduli, long[][] out) {
        if (out.length < moduli.length) {
            throw new IllegalArgumentException("expected " + moduli.length + " rows, got " + out.length);
        }
        SeedExpander prg = new SeedExpander(seed, domain);
        for (int i = 0; i < moduli.length; i++) {
            prg.uniform(moduli[i], out[i]);
        }
    }

    /**
     * n coefficients uniform in {-1, 0, 1}.
     *
     * @param n the number of coefficients
     * @return the coefficients
     */
    public long[] ternary(int n) {
        SeedExpander prg = new SeedExpander(newSeed(), 1);
        long[] out = new long[n];
        // Each 64-bit word gives 32 2-bit draws; 3 is rejected, leaving 0, 1, 2 equally likely.
        int i = 0;
        while (i < n) {
            long w = prg.nextLong();
            for (int b = 0; b < 32 && i < n; b++, w >>>= 2) {
                int v = (int) (w & 3);
                if (v != 3) {
                    out[i++] = v - 1;
                }
            }
        }
        return out;
    }

    /**
     * n coefficients in {-1, 0, 1} with exactly h non-zero ones, at uniformly random positions
     * with uniformly random signs.
     *
     * @param n the number of coefficients
     * @param h the Hamming weight, in [0, n]
     * @return the coefficients
     * @throws IllegalArgumentException if h is outside [0, n]
     */
    public long[] ternaryHammingWeight(int n, int h) {
        if (h < 0 || h > n) {
            throw new IllegalArgumentException("Hamming weight must be in [0, " + n + "], got " + h);
        }
        SeedExpander prg = new SeedExpander(newSeed(), 2);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        long[] out = new long[n];
        // Partial Fisher-Yates: the first h entries of idx become a uniform h-subset.
        for (int i = 0; i < h; i++) {
            int j = i + uniformBelow(prg, n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            out[idx[i]] = (prg.nextLong() & 1) == 0 ? 1 : -1;
        }
        return out;
    }

    private static int uniformBelow(SeedExpander prg, int bound) {
        int bits = 32 - Integer.numberOfLeadingZeros(bound - 1);
        long mask = bits == 0 ? 0 : (1L << bits) - 1;
        long r;
        do {
            r = prg.nextLong() & mask;
        } while (r >= bound);
        return (int) r;
    }

    /**
     * n coefficients from the centered discrete Gaussian with sigma 3.2, bounded by
     * {@link #GAUSSIAN_BOUND} in absolute value (inverse-CDT sampling).
     *
     * @param n the number of coefficients
     * @return the coefficients
     */
    public long[] gaussian(int n) {
        SeedExpander prg = new SeedExpander(newSeed(), 3);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long r = prg.nextLong();
            long u = r >>> 1;
            int k = 0;
            while (k < GAUSSIAN_BOUND && u >= CDT[k]) {
                k++;
            }
            out[i] = (k != 0 && (r & 1) != 0) ? -k : k;
        }
        return out;
    }
}
