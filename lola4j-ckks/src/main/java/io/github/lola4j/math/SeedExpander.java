package io.github.lola4j.math;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A deterministic stream of pseudo-random bytes expanded from a 32-byte seed: AES-256 in counter
 * mode through the JDK's own provider (hardware AES where the CPU has it).
 *
 * <p>Two uses: compressed uniform polynomials (a ciphertext or key stores the seed instead of its
 * uniform half, and the reader expands it again), and fast sampling (the {@link Sampler} draws a
 * fresh seed from its {@code SecureRandom} per polynomial and expands it here). The stream of a
 * seed is the same on every JVM. Not thread-safe: one instance per stream.
 */
public final class SeedExpander {

    /** The seed length in bytes. */
    public static final int SEED_BYTES = 32;

    private static final int BUFFER_BYTES = 8192;

    private final Cipher cipher;
    private final byte[] zeros = new byte[BUFFER_BYTES];
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int pos = BUFFER_BYTES;

    /**
     * Starts the stream of {@code seed} for a domain (so one seed can feed independent streams).
     *
     * @param seed   exactly 32 bytes (not modified, not retained)
     * @param domain a domain separator placed in the counter block's first bytes
     * @throws IllegalArgumentException if the seed is not 32 bytes
     */
    public SeedExpander(byte[] seed, long domain) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("seed must be " + SEED_BYTES + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        byte[] iv = new byte[16];
        for (int i = 0; i < 8; i++) {
            iv[i] = (byte) (domain >>> (56 - 8 * i));
        }
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(iv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is not available in this JDK", e);
        }
    }

    private void refill() {
        try {
            cipher.update(zeros, 0, BUFFER_BYTES, buffer, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR failed", e);
        }
        pos = 0;
    }

    /** The next 64 bits of the stream, little-endian. */
    public long nextLong() {
        if (pos + 8 > BUFFER_BYTES) {
            refill();
        }
        byte[] b = buffer;
        int p = pos;
        long v = (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16 | (b[p + 3] & 0xFFL) << 24
                | (b[p + 4] & 0xFFL) << 32 | (b[p + 5] & 0xFFL) << 40 | (b[p + 6] & 0xFFL) << 48
                | (b[p + 7] & 0xFFL) << 56;
        pos = p + 8;
        return v;
    }

    /**
     * Fills {@code out} with values uniform in [0, q), by rejection sampling on masked 64-bit words
     * (no modular bias).
     *
     * @param q   the modulus
     * @param out the array to fill (modified)
     */
    public void uniform(Modulus q, long[] out) {
        long qv = q.value();
        long mask = (1L << q.bits()) - 1;
        for (int i = 0; i < out.length; i++) {
            long r;
            do {
                r = nextLong() & mask;
            } while (r >= qv);
            out[i] = r;
        }
    }
}
