package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Primes;
import io.github.lola4j.ring.BasisExtender;
import io.github.lola4j.ring.RnsRescaler;
import io.github.lola4j.ring.RnsRing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A validated, immutable RNS-CKKS parameter set: the ring degree N, the chain of ciphertext primes
 * Q = q_0 ... q_L, the special primes P of hybrid key switching, the number of key-switching
 * digits (dnum), the default scale, the secret distribution and the security level it was checked
 * against. Built only by {@link Builder#build()}, the single gate that either returns a complete
 * set or throws naming the bad field.
 *
 * <p>Glossary: the <i>level</i> of a ciphertext is the index of its last prime (a fresh ciphertext
 * is at {@link #maxLevel()}; each rescale drops one); a <i>limb</i> is one prime's residues; the
 * <i>slots</i> are the N/2 complex values one plaintext holds. Digit j of key switching groups
 * the ciphertext primes {@link #digitStart(int)} .. {@link #digitEnd(int)} - 1; its product must
 * not exceed P by much, or key switching adds noise (checked).
 *
 * <p>Thread-safe; the rings and their NTT tables are built once here and shared by everything
 * that uses the set.
 */
public final class CkksParameters {

    /** Slack in bits allowed between the largest digit product and P before key switching noise grows. */
    static final double DIGIT_SLACK_BITS = 4;

    private final int ringDegree;
    private final long[] primes;
    private final long[] specialPrimes;
    private final int dnum;
    private final int[] digitStarts; // length dnum + 1
    private final double scale;
    private final SecretDistribution secret;
    private final SecurityLevel security;
    private final double log2QP;
    private final RnsRing ringQ;
    private final RnsRing ringP;
    private final RnsRing ringQP;
    private final long fingerprint;
    private volatile KeySwitcher keySwitcher;
    private volatile RnsRescaler rescaler;
    private volatile Encoder encoder;

    private CkksParameters(int ringDegree, long[] primes, long[] specialPrimes, int dnum, double scale,
            SecretDistribution secret, SecurityLevel security, double log2QP) {
        this.ringDegree = ringDegree;
        this.primes = primes;
        this.specialPrimes = specialPrimes;
        this.dnum = dnum;
        this.digitStarts = digitStarts(primes.length, dnum);
        this.scale = scale;
        this.secret = secret;
        this.security = security;
        this.log2QP = log2QP;
        this.ringQ = RnsRing.create(ringDegree, primes);
        this.ringP = RnsRing.create(ringDegree, specialPrimes);
        this.ringQP = ringQ.concat(ringP);
        this.fingerprint = computeFingerprint();
    }

    /** Splits L+1 primes into dnum digits of sizes differing by at most one, larger digits first. */
    static int[] digitStarts(int limbs, int dnum) {
        int[] s = new int[dnum + 1];
        int base = limbs / dnum;
        int extra = limbs % dnum;
        for (int j = 0; j < dnum; j++) {
            s[j + 1] = s[j] + base + (j < extra ? 1 : 0);
        }
        return s;
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding exactly this set's values (explicit primes), to derive variants. */
    public Builder toBuilder() {
        return new Builder().ringDegree(ringDegree).primes(primes).specialPrimes(specialPrimes).dnum(dnum)
                .scale(scale).secretDistribution(secret).securityLevel(security);
    }

    /** The ring degree N. */
    public int ringDegree() {
        return ringDegree;
    }

    /** log2(N). */
    public int logN() {
        return Integer.numberOfTrailingZeros(ringDegree);
    }

    /** The number of complex slots, N/2. */
    public int slots() {
        return ringDegree / 2;
    }

    /** The highest level, L: the number of ciphertext primes minus one. */
    public int maxLevel() {
        return primes.length - 1;
    }

    /** The ciphertext primes q_0 .. q_L (a copy). */
    public long[] primes() {
        return primes.clone();
    }

    /**
     * The ciphertext prime q_i.
     *
     * @param i index in [0, maxLevel()]
     * @return the prime
     */
    public long prime(int i) {
        return primes[i];
    }

    /** The special primes P (a copy). */
    public long[] specialPrimes() {
        return specialPrimes.clone();
    }

    /** The number of key-switching digits. */
    public int dnum() {
        return dnum;
    }

    /**
     * The first prime index of digit j.
     *
     * @param j digit index in [0, dnum())
     * @return the index of its first prime
     */
    public int digitStart(int j) {
        return digitStarts[j];
    }

    /**
     * One past the last prime index of digit j.
     *
     * @param j digit index in [0, dnum())
     * @return the exclusive end
     */
    public int digitEnd(int j) {
        return digitStarts[j + 1];
    }

    /**
     * The number of key-switching digits that meet q_0 .. q_level: what a key switch at that level
     * decomposes into, and what a key made for levels up to it holds.
     *
     * @param level a level in [0, maxLevel()]
     * @return the digits, at least 1
     * @throws IllegalArgumentException if level is outside [0, maxLevel()]
     */
    public int digitsAtLevel(int level) {
        if (level < 0 || level > maxLevel()) {
            throw new IllegalArgumentException("level " + level + " is outside [0, " + maxLevel() + "]");
        }
        return BasisExtender.digitsMeeting(digitStarts, level);
    }

    /** The default scale of encoded values (2^scaleBits when built from bits). */
    public double defaultScale() {
        return scale;
    }

    /** The secret distribution. */
    public SecretDistribution secretDistribution() {
        return secret;
    }

    /** The security level the set was checked against. */
    public SecurityLevel securityLevel() {
        return security;
    }

    /** log2(Q*P), the total modulus size the security table bounds. */
    public double log2QP() {
        return log2QP;
    }

    /** The ring over the ciphertext primes Q (level views through {@link RnsRing#atLevel}). */
    public RnsRing ringQ() {
        return ringQ;
    }

    /** The ring over the special primes P. */
    public RnsRing ringP() {
        return ringP;
    }

    /** The ring over Q followed by P, where keys live. */
    public RnsRing ringQP() {
        return ringQP;
    }

    /** The shared rescaling constants (built on first use; idempotent, so a race only builds twice). */
    RnsRescaler rescaler() {
        RnsRescaler r = rescaler;
        if (r == null) {
            r = new RnsRescaler(ringQ);
            rescaler = r;
        }
        return r;
    }

    /**
     * The shared encoder (built on first use; idempotent, so a race only builds twice): evaluators
     * encode constants with it instead of building the encoder's tables for every evaluation.
     */
    Encoder encoder() {
        Encoder e = encoder;
        if (e == null) {
            e = new Encoder(this);
            encoder = e;
        }
        return e;
    }

    /** The shared key-switching precomputations (built on first use). */
    KeySwitcher keySwitcher() {
        KeySwitcher k = keySwitcher;
        if (k == null) {
            synchronized (this) {
                k = keySwitcher;
                if (k == null) {
                    k = new KeySwitcher(this);
                    keySwitcher = k;
                }
            }
        }
        return k;
    }

    /**
     * The Galois element of a left rotation by {@code steps} slots: 5^steps mod 2N.
     *
     * @param steps any integer (taken mod N/2; negative rotates right)
     * @return the odd element in [1, 2N)
     */
    public long galoisElementForRotation(int steps) {
        int slots = slots();
        long k = Math.floorMod(steps, slots);
        long twoN = 2L * ringDegree;
        long g = 1;
        long base = 5;
        while (k > 0) {
            if ((k & 1) != 0) {
                g = g * base % twoN;
            }
            base = base * base % twoN;
            k >>= 1;
        }
        return g;
    }

    /** The Galois element of complex conjugation, 2N - 1. */
    public long galoisElementForConjugation() {
        return 2L * ringDegree - 1;
    }

    /**
     * A 64-bit fingerprint identifying the set (SHA-256 of its canonical encoding): every
     * serialized object carries it, so keys and ciphertexts of another set are refused.
     */
    public long fingerprint() {
        return fingerprint;
    }

    private long computeFingerprint() {
        ByteBuffer b = ByteBuffer.allocate(64 + 8 * (primes.length + specialPrimes.length));
        b.put("lola4j-ckks-v1".getBytes(StandardCharsets.US_ASCII));
        b.putInt(ringDegree).putInt(primes.length).putInt(specialPrimes.length).putInt(dnum);
        for (long q : primes) {
            b.putLong(q);
        }
        for (long p : specialPrimes) {
            b.putLong(p);
        }
        b.putDouble(scale).putInt(secret.hammingWeight()).putInt(security.ordinal());
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(b.array(), b.position()));
            return ByteBuffer.wrap(h).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CkksParameters)) {
            return false;
        }
        CkksParameters p = (CkksParameters) o;
        return p.ringDegree == ringDegree && Arrays.equals(p.primes, primes) && Arrays.equals(p.specialPrimes, specialPrimes)
                && p.dnum == dnum && p.scale == scale && p.secret.equals(secret) && p.security == security;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(fingerprint);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CkksParameters(logN=").append(logN()).append(", Q=[");
        for (int i = 0; i < primes.length; i++) {
            sb.append(i == 0 ? "" : ",").append(64 - Long.numberOfLeadingZeros(primes[i]));
        }
        sb.append("] bits, P=[");
        for (int i = 0; i < specialPrimes.length; i++) {
            sb.append(i == 0 ? "" : ",").append(64 - Long.numberOfLeadingZeros(specialPrimes[i]));
        }
        return sb.append("] bits, dnum=").append(dnum).append(", scale=2^")
                .append(String.format("%.2f", Math.log(scale) / Math.log(2))).append(", log2QP=")
                .append(String.format("%.1f", log2QP)).append(", ").append(secret).append(", ").append(security)
                .append(")").toString();
    }

    /**
     * The unchecked description of a parameter set. Either prime bit sizes (primes are then
     * searched near 2^bits, see {@link Primes#nttPrimesNear}) or explicit primes, for Q and P
     * alike; {@link #build()} checks everything.
     */
    public static final class Builder {
        private int ringDegree;
        private int[] primeBits;
        private long[] primes;
        private int[] specialPrimeBits;
        private long[] specialPrimes;
        private int dnum;
        private double scale;
        private SecretDistribution secret = SecretDistribution.ternary();
        private SecurityLevel security = SecurityLevel.BITS_128;

        private Builder() {
        }

        /**
         * The ring degree N.
         *
         * @param n a power of two
         * @return this builder
         */
        public Builder ringDegree(int n) {
            this.ringDegree = n;
            return this;
        }

        /**
         * The bit sizes of the ciphertext primes q_0 .. q_L (q_0 first; it bounds the last level's
         * values, the others are usually the scale).
         *
         * @param bits one size per prime
         * @return this builder
         */
        public Builder primeBits(int... bits) {
            this.primeBits = bits.clone();
            return this;
        }

        /**
         * Explicit ciphertext primes q_0 .. q_L.
         *
         * @param values the primes
         * @return this builder
         */
        public Builder primes(long... values) {
            this.primes = values.clone();
            return this;
        }

        /**
         * The bit sizes of the special primes P.
         *
         * @param bits one size per prime
         * @return this builder
         */
        public Builder specialPrimeBits(int... bits) {
            this.specialPrimeBits = bits.clone();
            return this;
        }

        /**
         * Explicit special primes P.
         *
         * @param values the primes
         * @return this builder
         */
        public Builder specialPrimes(long... values) {
            this.specialPrimes = values.clone();
            return this;
        }

        /**
         * The number of key-switching digits; 0 (the default) picks ceil((L+1) / |P|), the fewest
         * digits whose products stay below P.
         *
         * @param dnum in [1, L+1], or 0 for the default
         * @return this builder
         */
        public Builder dnum(int dnum) {
            this.dnum = dnum;
            return this;
        }

        /**
         * The default scale as a power of two.
         *
         * @param bits log2 of the scale
         * @return this builder
         */
        public Builder scaleBits(int bits) {
            this.scale = Math.scalb(1.0, bits);
            return this;
        }

        /**
         * The default scale.
         *
         * @param scale a positive finite value
         * @return this builder
         */
        public Builder scale(double scale) {
            this.scale = scale;
            return this;
        }

        /**
         * The secret distribution (default uniform ternary).
         *
         * @param d the distribution
         * @return this builder
         */
        public Builder secretDistribution(SecretDistribution d) {
            this.secret = d;
            return this;
        }

        /**
         * The security level to enforce (default {@link SecurityLevel#BITS_128}).
         *
         * @param level the level; {@link SecurityLevel#NONE} only for tests
         * @return this builder
         */
        public Builder securityLevel(SecurityLevel level) {
            this.security = level;
            return this;
        }

        /**
         * Validates every field and builds the set.
         *
         * @return the parameters
         * @throws IllegalArgumentException naming the first invalid field, its value and what was expected
         */
        public CkksParameters build() {
            if (security == null) {
                throw new IllegalArgumentException("securityLevel must not be null");
            }
            if (secret == null) {
                throw new IllegalArgumentException("secretDistribution must not be null");
            }
            if (ringDegree < 8 || ringDegree > (1 << 17) || Integer.bitCount(ringDegree) != 1) {
                throw new IllegalArgumentException("ringDegree must be a power of two in [8, 131072], got " + ringDegree);
            }
            if (security != SecurityLevel.NONE) {
                security.maxLog2QP(ringDegree); // throws for degrees outside the table
            }
            long[] q = choosePrimes("primes", primes, "primeBits", primeBits, new long[0]);
            long[] p = choosePrimes("specialPrimes", specialPrimes, "specialPrimeBits", specialPrimeBits, q);
            Set<Long> all = new HashSet<>();
            for (long v : q) {
                all.add(v);
            }
            for (long v : p) {
                if (!all.add(v)) {
                    throw new IllegalArgumentException("specialPrimes: " + v + " is also a ciphertext prime");
                }
            }
            int d = dnum == 0 ? (q.length + p.length - 1) / p.length : dnum;
            if (d < 1 || d > q.length) {
                throw new IllegalArgumentException("dnum must be in [1, " + q.length + "] (the number of ciphertext primes), got " + dnum);
            }
            double log2P = 0;
            for (long v : p) {
                log2P += log2(v);
            }
            int[] starts = digitStarts(q.length, d);
            for (int j = 0; j < d; j++) {
                double digit = 0;
                for (int i = starts[j]; i < starts[j + 1]; i++) {
                    digit += log2(q[i]);
                }
                if (digit > log2P + DIGIT_SLACK_BITS) {
                    throw new IllegalArgumentException(String.format(
                            "dnum = %d gives a key-switching digit of %.1f bits but the special primes give only %.1f bits:"
                                    + " raise dnum or add special primes (digit products must not exceed P)", d, digit, log2P));
                }
            }
            if (!(scale > 1) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("scale must be a finite value above 1 (set scale or scaleBits), got " + scale);
            }
            if (log2(scale) >= log2(q[0])) {
                throw new IllegalArgumentException(String.format(
                        "scale 2^%.1f must be below the first prime q_0 (%.1f bits), or level-0 values cannot be decoded",
                        log2(scale), log2(q[0])));
            }
            if (!secret.isUniformTernary()) {
                if (secret.hammingWeight() > ringDegree) {
                    throw new IllegalArgumentException("secretDistribution: Hamming weight " + secret.hammingWeight()
                            + " exceeds the ring degree " + ringDegree);
                }
                if (security != SecurityLevel.NONE) {
                    throw new IllegalArgumentException("secretDistribution: sparse secrets (h = " + secret.hammingWeight()
                            + ") are not covered by the security table; use ternary() or SecurityLevel.NONE for tests");
                }
            }
            double logQP = log2P;
            for (long v : q) {
                logQP += log2(v);
            }
            double max = security.maxLog2QP(ringDegree);
            if (logQP > max) {
                throw new IllegalArgumentException(String.format(
                        "log2(QP) = %.1f bits exceeds the %.0f bits the Homomorphic Encryption Standard allows for %s at N = %d:"
                                + " use fewer or smaller primes, a larger ring degree, or SecurityLevel.NONE for tests",
                        logQP, max, security, ringDegree));
            }
            return new CkksParameters(ringDegree, q, p, d, scale, secret, security, logQP);
        }

        private long[] choosePrimes(String explicitName, long[] explicit, String bitsName, int[] bits, long[] exclude) {
            if (explicit != null && bits != null) {
                throw new IllegalArgumentException("both " + explicitName + " and " + bitsName + " are set; set one");
            }
            if (explicit == null && bits == null) {
                throw new IllegalArgumentException(explicitName + " or " + bitsName + " must be set");
            }
            if (bits != null) {
                if (bits.length == 0) {
                    throw new IllegalArgumentException(bitsName + " must not be empty");
                }
                try {
                    return Primes.nttPrimesNear(ringDegree, bits, exclude);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(bitsName + ": " + e.getMessage(), e);
                }
            }
            if (explicit.length == 0) {
                throw new IllegalArgumentException(explicitName + " must not be empty");
            }
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < explicit.length; i++) {
                long v = explicit[i];
                if (v < 3 || 64 - Long.numberOfLeadingZeros(v) > Modulus.MAX_BITS) {
                    throw new IllegalArgumentException(explicitName + "[" + i + "] = " + v + " must be a prime of at most "
                            + Modulus.MAX_BITS + " bits");
                }
                if (!Primes.isPrime(v)) {
                    throw new IllegalArgumentException(explicitName + "[" + i + "] = " + v + " is not prime");
                }
                if ((v - 1) % (2L * ringDegree) != 0) {
                    throw new IllegalArgumentException(explicitName + "[" + i + "] = " + v + " is not 1 mod 2N = "
                            + (2L * ringDegree) + " (not NTT-friendly)");
                }
                if (!seen.add(v)) {
                    throw new IllegalArgumentException(explicitName + "[" + i + "] = " + v + " appears twice");
                }
            }
            return explicit.clone();
        }
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
