package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.WideSums;
import io.github.lola4j.ring.BasisExtender;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hybrid key switching (Han and Ki 2020) for one parameter set: the digits' inner product with a
 * switching key between the ModUp and ModDown of {@link BasisExtender}.
 *
 * <p>To switch d (at level l, under s') to s: split d's primes into the digits D_j of the set
 * (restricted to q_0 .. q_l); extend each digit's residues to all of Q_l and P by fast base
 * conversion (ModUp: exact on D_j, off by a small multiple of D_j elsewhere); take the inner
 * product with the key's digits over Q_l P; divide by P with rounding (ModDown). The key's gadget
 * makes the result decrypt to d s' up to a noise of about (D_j / P) N sigma. Rotations reuse the
 * ModUp of c_1 for many Galois elements (hoisting): Galois keys are made for the unpermuted c_1
 * (see {@link GaloisKey}) and the automorphism is applied to the switched result.
 *
 * <p>The digits are kept in Montgomery form (times 2^64 mod each prime, folded into the base
 * conversion's constants), so the inner product sums full 128-bit products over the digits and
 * reduces once per coefficient.
 *
 * <p>Immutable after construction except for a pool of scratch workspaces (at most one per
 * processor is kept between operations); thread-safe.
 */
final class KeySwitcher {

    private final CkksParameters params;
    private final BasisExtender extender;
    private final int maxLevel;
    private final int specialCount;
    private final ConcurrentLinkedQueue<Workspace> pool = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();
    private final int maxPooled = Runtime.getRuntime().availableProcessors();

    private static final int BLOCK = 256;

    KeySwitcher(CkksParameters params) {
        this.params = params;
        this.maxLevel = params.maxLevel();
        this.specialCount = params.specialPrimes().length;
        int[] starts = new int[params.dnum() + 1];
        for (int j = 0; j < params.dnum(); j++) {
            starts[j] = params.digitStart(j);
        }
        starts[params.dnum()] = params.digitEnd(params.dnum() - 1);
        this.extender = new BasisExtender(params.ringQ(), params.ringP(), starts);
    }

    /** P mod q_i, the factor a switching key multiplies s' by on the primes of its digit. */
    long pModQ(int i) {
        return extender.pModQ(i);
    }

    /** The Shoup companion of {@link #pModQ(int)}. */
    long pModQShoup(int i) {
        return extender.pModQShoup(i);
    }

    /** The ring Q_l followed by P. */
    RnsRing ringQP(int level) {
        return extender.ringQP(level);
    }

    /** The number of digits that intersect q_0 .. q_level. */
    int digitsAtLevel(int level) {
        return params.digitsAtLevel(level);
    }

    /** Whether ModUp at this level leaves digits in Montgomery form ({@link BasisExtender#montgomeryDigits}). */
    boolean montgomeryDigits(int level) {
        return extender.montgomeryDigits(level);
    }

    /**
     * ModUp: the digits of d extended to Q_l P, in NTT form (see {@link BasisExtender#modUp}).
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param par the parallelism
     * @return one polynomial over {@link #ringQP(int)} per digit
     */
    RnsPoly[] modUp(RnsPoly d, Parallelism par) {
        return extender.modUp(d, par);
    }

    /**
     * The inner product of decomposed digits with a key: (acc0, acc1) = sum_j digit_j o (b_j, a_j),
     * over Q_l P in NTT form.
     *
     * @param digits the ModUp output (not modified)
     * @param key    the switching key
     * @param level  the level l
     * @param par    the parallelism
     * @param acc0   the first half of the result over {@link #ringQP(int)} (overwritten)
     * @param acc1   the second half (overwritten)
     */
    private void innerProduct(RnsPoly[] digits, SwitchingKey key, int level, RnsPoly acc0, RnsPoly acc1, Parallelism par) {
        RnsRing qp = extender.ringQP(level);
        int n = qp.ringDegree();
        int limbs = qp.limbs();
        int count = digits.length;
        if (key.level() < level) {
            throw new IllegalStateException("the " + describe(key) + " was made for levels up to " + key.level()
                    + ", the ciphertext is at level " + level + " (generate the keys from the computation's KeyRequirements)");
        }
        // The key's rows are q_0 .. q_L then P for its level L: P's rows follow q_L.
        int keyLevel = key.level();
        par.forEach(limbs, t -> {
            int keyLimb = t <= level ? t : keyLevel + 1 + (t - level - 1);
            Modulus m = qp.modulus(t);
            if (BasisExtender.small(m)) {
                innerProduct64(digits, key, t, keyLimb, m, acc0.limb(t), acc1.limb(t));
                return;
            }
            if (count == 1) {
                // Plain digits (see BasisExtender.montgomeryDigits): one product, nothing to sum.
                m.mul(digits[0].limb(t), key.b(0).limb(keyLimb), acc0.limb(t));
                m.mul(digits[0].limb(t), key.a(0).limb(keyLimb), acc1.limb(t));
                return;
            }
            // Full 128-bit products are summed and reduced once per coefficient by Montgomery reduction
            // (the digits carry the factor 2^64); the sum must stay below q 2^64, so at most
            // floor(2^64 / q) digits go into one reduction.
            int chunk = (int) Math.min(count, Long.divideUnsigned(-1L, m.value()));
            long[] z0 = acc0.limb(t);
            long[] z1 = acc1.limb(t);
            long[] hi0 = new long[BLOCK];
            long[] lo0 = new long[BLOCK];
            long[] hi1 = new long[BLOCK];
            long[] lo1 = new long[BLOCK];
            for (int base = 0; base < n; base += BLOCK) {
                int len = Math.min(BLOCK, n - base);
                for (int j0 = 0; j0 < count; j0 += chunk) {
                    java.util.Arrays.fill(hi0, 0, len, 0);
                    java.util.Arrays.fill(lo0, 0, len, 0);
                    java.util.Arrays.fill(hi1, 0, len, 0);
                    java.util.Arrays.fill(lo1, 0, len, 0);
                    for (int j = j0; j < Math.min(count, j0 + chunk); j++) {
                        WideSums.multiplyAccumulate(digits[j].limb(t), key.b(j).limb(keyLimb), key.a(j).limb(keyLimb), base,
                                len, hi0, lo0, hi1, lo1);
                    }
                    for (int c = 0; c < len; c++) {
                        long r0 = m.montgomeryReduce(hi0[c], lo0[c]);
                        long r1 = m.montgomeryReduce(hi1[c], lo1[c]);
                        if (j0 > 0) {
                            r0 = m.add(r0, z0[base + c]);
                            r1 = m.add(r1, z1[base + c]);
                        }
                        z0[base + c] = r0;
                        z1[base + c] = r1;
                    }
                }
            }
        });
        acc0.setNtt(true);
        acc1.setNtt(true);
    }

    private static String describe(SwitchingKey key) {
        return key instanceof GaloisKey ? "Galois key " + ((GaloisKey) key).galoisElement() : "relinearization key";
    }

    /** The inner product on one limb of a small prime: 64-bit sums, reduced once per chunk of terms. */
    private static void innerProduct64(RnsPoly[] digits, SwitchingKey key, int t, int keyLimb, Modulus m, long[] z0, long[] z1) {
        int n = z0.length;
        long q = m.value();
        int chunk = (int) Math.min(digits.length, Long.MAX_VALUE / ((q - 1) * (q - 1)));
        long[] s0 = new long[BLOCK];
        long[] s1 = new long[BLOCK];
        for (int base = 0; base < n; base += BLOCK) {
            int len = Math.min(BLOCK, n - base);
            for (int j0 = 0; j0 < digits.length; j0 += chunk) {
                java.util.Arrays.fill(s0, 0, len, 0);
                java.util.Arrays.fill(s1, 0, len, 0);
                for (int j = j0; j < Math.min(digits.length, j0 + chunk); j++) {
                    long[] x = digits[j].limb(t);
                    long[] b = key.b(j).limb(keyLimb);
                    long[] a = key.a(j).limb(keyLimb);
                    for (int c = 0; c < len; c++) {
                        long v = x[base + c];
                        s0[c] += v * b[base + c];
                        s1[c] += v * a[base + c];
                    }
                }
                for (int c = 0; c < len; c++) {
                    long r0 = m.reduceLong(s0[c]);
                    long r1 = m.reduceLong(s1[c]);
                    if (j0 > 0) {
                        r0 = m.add(r0, z0[base + c]);
                        r1 = m.add(r1, z1[base + c]);
                    }
                    z0[base + c] = r0;
                    z1[base + c] = r1;
                }
            }
        }
    }

    /**
     * ModDown of x + e for a small e (see {@link BasisExtender#modDown}): out = round((x + e) / P).
     *
     * @param x      the input over Q_l P in NTT form (its P limbs are modified as scratch)
     * @param addend N signed coefficients of absolute value below every prime, or null for none
     * @param out    a polynomial over Q_l (modified; may not alias x)
     * @param par    the parallelism
     */
    void modDown(RnsPoly x, long[] addend, RnsPoly out, Parallelism par) {
        extender.modDown(x, addend, out, par);
    }

    /**
     * Switches d (under s') to a pair (c0, c1) at d's level with c0 + c1 s ~ d s'.
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param key the key from s' to s
     * @param par the parallelism
     * @return {c0, c1} over Q_l, NTT form
     */
    RnsPoly[] switchKey(RnsPoly d, SwitchingKey key, Parallelism par) {
        int level = d.level();
        Workspace w = acquire();
        try {
            RnsPoly[] digits = new RnsPoly[digitsAtLevel(level)];
            for (int j = 0; j < digits.length; j++) {
                digits[j] = w.view(w.digits[j], level);
            }
            extender.modUp(d, digits, w.coeff, par);
            return finish(digits, key, level, w, par);
        } finally {
            release(w);
        }
    }

    /**
     * The key switch of already decomposed digits (shared by the steps of a hoisted rotation): the inner
     * product and ModDown of both halves.
     *
     * @param digits the ModUp output (not modified)
     * @param key    the switching key
     * @param level  the level l
     * @param par    the parallelism
     * @return {c0, c1} over Q_l, NTT form
     */
    RnsPoly[] switchDigits(RnsPoly[] digits, SwitchingKey key, int level, Parallelism par) {
        Workspace w = acquire();
        try {
            return finish(digits, key, level, w, par);
        } finally {
            release(w);
        }
    }

    private RnsPoly[] finish(RnsPoly[] digits, SwitchingKey key, int level, Workspace w, Parallelism par) {
        RnsPoly acc0 = w.view(w.acc0, level);
        RnsPoly acc1 = w.view(w.acc1, level);
        innerProduct(digits, key, level, acc0, acc1, par);
        RnsRing q = params.ringQ().atLevel(level);
        RnsPoly c0 = new RnsPoly(q, true);
        RnsPoly c1 = new RnsPoly(q, true);
        extender.modDown(acc0, null, c0, w.conv, par);
        extender.modDown(acc1, null, c1, w.conv, par);
        return new RnsPoly[] {c0, c1};
    }

    private Workspace acquire() {
        Workspace w = pool.poll();
        if (w != null) {
            pooled.decrementAndGet();
            return w;
        }
        return new Workspace();
    }

    private void release(Workspace w) {
        if (pooled.incrementAndGet() <= maxPooled) {
            pool.offer(w);
        } else {
            pooled.decrementAndGet();
        }
    }

    /**
     * Scratch rows for one key switch at the top level (lower levels use a prefix of the Q rows
     * and all P rows). Reused across operations: a key switch at N = 16384 would otherwise
     * allocate and zero about 10 MB.
     */
    private final class Workspace {
        final long[][][] digits;
        final long[][] acc0;
        final long[][] acc1;
        final long[][] coeff;
        final long[][] conv;

        Workspace() {
            int n = params.ringDegree();
            int all = maxLevel + 1 + specialCount;
            digits = new long[params.dnum()][all][n];
            acc0 = new long[all][n];
            acc1 = new long[all][n];
            coeff = new long[maxLevel + 1][n];
            conv = new long[maxLevel + 1][n];
        }

        /** The rows of Q_l P within rows laid out over Q P. */
        RnsPoly view(long[][] rows, int level) {
            return extender.restrictToLevel(RnsPoly.wrap(extender.ringQP(maxLevel), rows, true), level);
        }
    }

    /**
     * The limbs of a key polynomial (over Q_L and P for some L at least l) that belong to Q_l P, as a
     * view (see {@link BasisExtender#restrictToLevel}).
     *
     * @param full  a polynomial over {@link #ringQP(int)} of a level L at least l
     * @param level the level l
     * @return the view over {@link #ringQP(int)} (shares rows)
     */
    RnsPoly restrictToLevel(RnsPoly full, int level) {
        return extender.restrictToLevel(full, level);
    }
}
