package io.github.lola4j.ring;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.NttTables;
import io.github.lola4j.math.RnsBasis;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The ring Z_Q[X]/(X^N + 1) in RNS form: the degree N, an ordered list of primes with their NTT
 * tables, and the automorphism index maps (cached per Galois element, shared by every ring of the
 * same degree derived from this one).
 *
 * <p>Sub-rings ({@link #atLevel}, {@link #subRing}) and unions ({@link #concat}) share all tables;
 * creating them is cheap. Immutable and thread-safe.
 */
public final class RnsRing {

    private final int n;
    private final Modulus[] moduli;
    private final NttTables[] tables;
    private final AutomorphismCache automorphisms;
    private volatile RnsBasis basis;

    private RnsRing(int n, Modulus[] moduli, NttTables[] tables, AutomorphismCache automorphisms) {
        this.n = n;
        this.moduli = moduli;
        this.tables = tables;
        this.automorphisms = automorphisms;
    }

    /**
     * Creates the ring and its NTT tables.
     *
     * @param ringDegree N, a power of two in [2, 2^17]
     * @param primes     distinct primes q = 1 (mod 2N) of at most 61 bits; at least one
     * @return the ring
     * @throws IllegalArgumentException on an invalid degree, a repeated or non-NTT-friendly prime
     */
    public static RnsRing create(int ringDegree, long... primes) {
        if (primes.length == 0) {
            throw new IllegalArgumentException("a ring needs at least one prime");
        }
        RnsBasis checked = new RnsBasis(primes); // validates primality and distinctness
        Modulus[] m = new Modulus[primes.length];
        NttTables[] t = new NttTables[primes.length];
        for (int i = 0; i < primes.length; i++) {
            m[i] = checked.modulus(i);
            t[i] = new NttTables(ringDegree, m[i]);
        }
        RnsRing r = new RnsRing(ringDegree, m, t, new AutomorphismCache(ringDegree, t[0]));
        r.basis = checked;
        return r;
    }

    /** The ring degree N. */
    public int ringDegree() {
        return n;
    }

    /** The number of primes (limbs). */
    public int limbs() {
        return moduli.length;
    }

    /** The level: the index of the last prime, {@code limbs() - 1}. */
    public int level() {
        return moduli.length - 1;
    }

    /**
     * The i-th prime.
     *
     * @param i index in [0, limbs())
     * @return the modulus
     */
    public Modulus modulus(int i) {
        return moduli[i];
    }

    /** The primes, in order (a copy of the array; the moduli themselves are immutable). */
    public Modulus[] moduli() {
        return moduli.clone();
    }

    /**
     * The NTT tables of the i-th prime.
     *
     * @param i index in [0, limbs())
     * @return the tables
     */
    public NttTables tables(int i) {
        return tables[i];
    }

    /** The RNS basis of the primes (built on first use). */
    public RnsBasis basis() {
        RnsBasis b = basis;
        if (b == null) {
            long[] v = new long[moduli.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = moduli[i].value();
            }
            b = new RnsBasis(v);
            basis = b;
        }
        return b;
    }

    /**
     * The ring of the first {@code level + 1} primes.
     *
     * @param level in [0, level()]
     * @return the sub-ring (this ring when level == level())
     * @throws IllegalArgumentException if level is out of range
     */
    public RnsRing atLevel(int level) {
        if (level < 0 || level > level()) {
            throw new IllegalArgumentException("level " + level + " is outside [0, " + level() + "]");
        }
        return level == level() ? this : subRing(0, level + 1);
    }

    /**
     * The ring of primes [from, to).
     *
     * @param from first index, inclusive
     * @param to   last index, exclusive; to &gt; from
     * @return the sub-ring
     */
    public RnsRing subRing(int from, int to) {
        if (from < 0 || to > moduli.length || from >= to) {
            throw new IllegalArgumentException("prime range [" + from + ", " + to + ") is invalid for "
                    + moduli.length + " primes");
        }
        if (from == 0 && to == moduli.length) {
            return this;
        }
        return new RnsRing(n, Arrays.copyOfRange(moduli, from, to), Arrays.copyOfRange(tables, from, to), automorphisms);
    }

    /**
     * The ring whose primes are this ring's followed by {@code other}'s (for example Q followed by
     * the special primes P).
     *
     * @param other a ring of the same degree with no prime in common
     * @return the union
     */
    public RnsRing concat(RnsRing other) {
        if (other.n != n) {
            throw new IllegalArgumentException("ring degrees differ: " + n + " and " + other.n);
        }
        Modulus[] m = Arrays.copyOf(moduli, moduli.length + other.moduli.length);
        System.arraycopy(other.moduli, 0, m, moduli.length, other.moduli.length);
        for (int i = 0; i < moduli.length; i++) {
            for (Modulus o : other.moduli) {
                if (moduli[i].equals(o)) {
                    throw new IllegalArgumentException("prime " + o.value() + " is in both rings");
                }
            }
        }
        NttTables[] t = Arrays.copyOf(tables, m.length);
        System.arraycopy(other.tables, 0, t, tables.length, other.tables.length);
        return new RnsRing(n, m, t, automorphisms);
    }

    /** Whether {@code other} has the same degree and the same primes in the same order. */
    public boolean sameAs(RnsRing other) {
        if (other == this) {
            return true;
        }
        if (other.n != n || other.moduli.length != moduli.length) {
            return false;
        }
        for (int i = 0; i < moduli.length; i++) {
            if (other.moduli[i].value() != moduli[i].value()) {
                return false;
            }
        }
        return true;
    }

    AutomorphismCache automorphisms() {
        return automorphisms;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RnsRing(N=").append(n).append(", primes=[");
        for (int i = 0; i < moduli.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(moduli[i].value());
        }
        return sb.append("])").toString();
    }

    /** Index maps of X -&gt; X^g, which depend only on N and g (not on the primes). */
    static final class AutomorphismCache {
        private final int n;
        private final NttTables anyTables;
        private final ConcurrentMap<Long, int[]> coeffMaps = new ConcurrentHashMap<>();
        private final ConcurrentMap<Long, int[]> nttMaps = new ConcurrentHashMap<>();

        AutomorphismCache(int n, NttTables anyTables) {
            this.n = n;
            this.anyTables = anyTables;
        }

        /** map[i] = target index of coefficient i, with bit 31 set when the coefficient changes sign. */
        int[] coefficientMap(long g) {
            return coeffMaps.computeIfAbsent(g, this::buildCoefficientMap);
        }

        /** map[k] = the source index whose value lands at NTT index k. */
        int[] nttMap(long g) {
            return nttMaps.computeIfAbsent(g, this::buildNttMap);
        }

        private int[] buildCoefficientMap(long g) {
            long twoN = 2L * n;
            int[] map = new int[n];
            for (int i = 0; i < n; i++) {
                long j = (i * g) % twoN;
                map[i] = j < n ? (int) j : ((int) (j - n)) | Integer.MIN_VALUE;
            }
            return map;
        }

        private int[] buildNttMap(long g) {
            long twoN = 2L * n;
            int logN = Integer.numberOfTrailingZeros(n);
            int[] map = new int[n];
            for (int k = 0; k < n; k++) {
                long e = anyTables.evaluationExponent(k);
                long src = (e * g) % twoN;
                map[k] = NttTables.bitReverse((int) ((src - 1) >>> 1), logN);
            }
            return map;
        }
    }
}
