package io.github.lola4j.ckks;

import io.github.lola4j.math.BaseConverter;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.math.RnsBasis;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hybrid key switching (Han and Ki 2020) and the ModUp / ModDown conversions it is made of, with
 * the per-level constants of one parameter set.
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
 * <p>Immutable after construction except for caches of base converters and a pool of scratch
 * workspaces (at most one per processor is kept between operations); thread-safe.
 */
final class KeySwitcher {

    private final CkksParameters params;
    private final int maxLevel;
    private final int specialCount;
    private final RnsRing[] ringQPAtLevel;
    private final BaseConverter[] modDownConverters;   // P -> Q_l, per level l
    private final long[] pModQ;                        // P mod q_i, the gadget factor of switching keys
    private final long[] pModQShoup;
    private final long[] pInvModQ;                     // P^-1 mod q_i
    private final long[] pInvModQShoup;
    private final long[] montgomeryR;                  // 2^64 mod q_i, for the digit limbs ModUp copies
    private final long[] montgomeryRShoup;
    private final ConcurrentMap<Integer, BaseConverter> modUpConverters = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Workspace> pool = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();
    private final int maxPooled = Runtime.getRuntime().availableProcessors();

    private static final int BLOCK = 256;

    KeySwitcher(CkksParameters params) {
        this.params = params;
        this.maxLevel = params.maxLevel();
        this.specialCount = params.specialPrimes().length;
        RnsRing ringQ = params.ringQ();
        RnsRing ringP = params.ringP();
        ringQPAtLevel = new RnsRing[maxLevel + 1];
        modDownConverters = new BaseConverter[maxLevel + 1];
        RnsBasis basisP = ringP.basis();
        for (int l = 0; l <= maxLevel; l++) {
            ringQPAtLevel[l] = ringQ.atLevel(l).concat(ringP);
            modDownConverters[l] = new BaseConverter(basisP, ringQ.atLevel(l).basis());
        }
        pModQ = new long[maxLevel + 1];
        pModQShoup = new long[maxLevel + 1];
        pInvModQ = new long[maxLevel + 1];
        pInvModQShoup = new long[maxLevel + 1];
        for (int i = 0; i <= maxLevel; i++) {
            Modulus qi = ringQ.modulus(i);
            long pMod = 1;
            for (long p : params.specialPrimes()) {
                pMod = qi.mul(pMod, qi.reduce(p));
            }
            pModQ[i] = pMod;
            pModQShoup[i] = qi.shoup(pMod);
            pInvModQ[i] = qi.inv(pMod);
            pInvModQShoup[i] = qi.shoup(pInvModQ[i]);
        }
        montgomeryR = new long[maxLevel + 1];
        montgomeryRShoup = new long[maxLevel + 1];
        for (int i = 0; i <= maxLevel; i++) {
            montgomeryR[i] = ringQ.modulus(i).montgomeryFactor();
            montgomeryRShoup[i] = ringQ.modulus(i).shoup(montgomeryR[i]);
        }
    }

    /** P mod q_i, the factor a switching key multiplies s' by on the primes of its digit. */
    long pModQ(int i) {
        return pModQ[i];
    }

    /** The Shoup companion of {@link #pModQ(int)}. */
    long pModQShoup(int i) {
        return pModQShoup[i];
    }

    /** The ring Q_l followed by P. */
    RnsRing ringQP(int level) {
        return ringQPAtLevel[level];
    }

    /** The number of digits that intersect q_0 .. q_level. */
    int digitsAtLevel(int level) {
        return params.digitsAtLevel(level);
    }

    /**
     * Whether ModUp at this level leaves the digits of the large primes multiplied by 2^64 (the
     * Montgomery form the multi-digit inner product reduces once per sum). With a single digit there
     * is no sum: the digits stay plain and the inner product is one modular product per coefficient,
     * on the vector kernels.
     */
    boolean montgomeryDigits(int level) {
        return digitsAtLevel(level) > 1;
    }

    private BaseConverter modUpConverter(int digit, int level) {
        int key = digit * (maxLevel + 1) + level;
        boolean montgomery = montgomeryDigits(level);
        return modUpConverters.computeIfAbsent(key, k -> {
            int start = params.digitStart(digit);
            int end = Math.min(params.digitEnd(digit), level + 1);
            RnsRing qp = ringQPAtLevel[level];
            long[] from = new long[end - start];
            long[] to = new long[qp.limbs() - from.length];
            long[] factors = new long[to.length];
            int t = 0;
            for (int i = 0; i < qp.limbs(); i++) {
                long v = qp.modulus(i).value();
                if (i >= start && i < end) {
                    from[i - start] = v;
                } else {
                    // Small primes accumulate the inner product in 64 bits, without the Montgomery factor.
                    factors[t] = small(qp.modulus(i)) || !montgomery ? 1 : qp.modulus(i).montgomeryFactor();
                    to[t++] = v;
                }
            }
            return new BaseConverter(new RnsBasis(from), new RnsBasis(to)).scaled(factors);
        });
    }

    /**
     * ModUp: the digits of d extended to Q_l P, in NTT form; where {@link #montgomeryDigits} says so,
     * the limbs of the large primes are multiplied by the Montgomery factor 2^64 mod each prime (so
     * that {@link #innerProduct} can reduce a whole sum of products at once).
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param par the parallelism
     * @return one polynomial over {@link #ringQP(int)} per digit
     */
    RnsPoly[] modUp(RnsPoly d, Parallelism par) {
        int level = d.level();
        RnsPoly[] out = new RnsPoly[digitsAtLevel(level)];
        for (int j = 0; j < out.length; j++) {
            out[j] = new RnsPoly(ringQPAtLevel[level], true);
        }
        modUp(d, out, new long[level + 1][d.ringDegree()], par);
        return out;
    }

    /** ModUp into the given digit polynomials, with coeff (at least l + 1 rows) as scratch. */
    private void modUp(RnsPoly d, RnsPoly[] out, long[][] coeff, Parallelism par) {
        int level = d.level();
        int digits = out.length;
        RnsRing qp = ringQPAtLevel[level];
        int limbsQP = qp.limbs();
        int n = d.ringDegree();
        boolean montgomery = montgomeryDigits(level);
        par.forEach(level + 1, i -> {
            System.arraycopy(d.limb(i), 0, coeff[i], 0, n);
            Ntt.inverse(coeff[i], d.ring().tables(i));
        });
        par.forEach(digits, j -> {
            int start = params.digitStart(j);
            int end = Math.min(params.digitEnd(j), level + 1);
            long[][] in = new long[end - start][];
            for (int i = start; i < end; i++) {
                in[i - start] = coeff[i];
            }
            long[][] dst = new long[limbsQP - (end - start)][];
            int t = 0;
            for (int i = 0; i < limbsQP; i++) {
                if (i < start || i >= end) {
                    dst[t++] = out[j].limb(i);
                }
            }
            modUpConverter(j, level).convertCentered(in, dst);
            for (int i = 0; i < limbsQP; i++) {
                if (i >= start && i < end) {
                    Modulus m = qp.modulus(i);
                    // Digit primes are ciphertext primes (i <= level), so their index in Q is i.
                    long r = montgomeryR[i];
                    long rp = montgomeryRShoup[i];
                    long[] src = d.limb(i);
                    long[] row = out[j].limb(i);
                    if (small(m) || !montgomery) {
                        System.arraycopy(src, 0, row, 0, n);
                    } else {
                        for (int c = 0; c < n; c++) {
                            row[c] = m.mulShoup(src[c], r, rp);
                        }
                    }
                } else {
                    Ntt.forward(out[j].limb(i), qp.tables(i));
                }
            }
        });
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
        RnsRing qp = ringQPAtLevel[level];
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
            if (small(m)) {
                innerProduct64(digits, key, t, keyLimb, m, acc0.limb(t), acc1.limb(t));
                return;
            }
            if (count == 1) {
                // Plain digits (see montgomeryDigits): one product, nothing to sum.
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
                        multiplyAccumulate(digits[j].limb(t), key.b(j).limb(keyLimb), key.a(j).limb(keyLimb), base, len,
                                hi0, lo0, hi1, lo1);
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

    /**
     * Whether a prime takes the 64-bit inner product: every product of two residues is below
     * 2^60, so a sum of several fits a signed long and one reduction per coefficient and chunk
     * suffices (the digits of such primes carry no Montgomery factor).
     */
    static boolean small(Modulus m) {
        return m.value() < (1L << 30);
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

    /** (hi0, lo0) += x b and (hi1, lo1) += x a as 128-bit sums, over one block. */
    private static void multiplyAccumulate(long[] x, long[] b, long[] a, int base, int len,
            long[] hi0, long[] lo0, long[] hi1, long[] lo1) {
        for (int c = 0; c < len; c++) {
            long v = x[base + c];
            long kb = b[base + c];
            long ka = a[base + c];
            long p0 = v * kb;
            long l0 = lo0[c];
            long s0 = l0 + p0;
            // The carry out of the unsigned low-word addition, without a branch.
            hi0[c] += Math.multiplyHigh(v, kb) + (((l0 & p0) | ((l0 | p0) & ~s0)) >>> 63);
            lo0[c] = s0;
            long p1 = v * ka;
            long l1 = lo1[c];
            long s1 = l1 + p1;
            hi1[c] += Math.multiplyHigh(v, ka) + (((l1 & p1) | ((l1 | p1) & ~s1)) >>> 63);
            lo1[c] = s1;
        }
    }

    /**
     * ModDown of x + e for a small e given by its coefficients: out = round((x + e) / P). Adding e
     * here costs no transform: it joins the P limbs after their inverse NTT and the converted
     * values before their forward NTT.
     *
     * @param x      the input over Q_l P in NTT form (its P limbs are modified as scratch)
     * @param addend N signed coefficients of absolute value below every prime, or null for none
     * @param out    a polynomial over Q_l (modified; may not alias x)
     * @param par    the parallelism
     */
    void modDown(RnsPoly x, long[] addend, RnsPoly out, Parallelism par) {
        modDown(x, addend, out, new long[out.level() + 1][x.ringDegree()], par);
    }

    /** ModDown with conv (at least l + 1 rows) as scratch. */
    private void modDown(RnsPoly x, long[] addend, RnsPoly out, long[][] conv, Parallelism par) {
        int level = out.level();
        RnsRing qp = ringQPAtLevel[level];
        int n = qp.ringDegree();
        long[][] pRows = new long[specialCount][];
        for (int k = 0; k < specialCount; k++) {
            pRows[k] = x.limb(level + 1 + k);
        }
        par.forEach(specialCount, k -> {
            Ntt.inverse(pRows[k], qp.tables(level + 1 + k));
            if (addend != null) {
                addSmall(pRows[k], addend, qp.modulus(level + 1 + k).value(), 1);
            }
        });
        modDownConverters[level].convertCentered(pRows, conv);
        par.forEach(level + 1, i -> {
            Modulus m = qp.modulus(i);
            long q = m.value();
            long q2 = 2 * q;
            long[] t = conv[i];
            if (addend != null) {
                // (x + e) - conv(x_P + e_P) = x - (conv - e) on the primes of Q.
                addSmall(t, addend, q, -1);
            }
            Ntt.forwardLazy(t, qp.tables(i));
            long[] xi = x.limb(i);
            long[] z = out.limb(i);
            long w = pInvModQ[i];
            long wp = pInvModQShoup[i];
            for (int c = 0; c < n; c++) {
                // t in [0, 4q) is brought into [0, 2q) so that x + 2q - t lies in (0, 3q).
                long u = t[c] - q2;
                u += (u >> 63) & q2;
                z[c] = m.mulShoup(xi[c] + q2 - u, w, wp);
            }
        });
        out.setNtt(true);
    }

    /** row = row + sign e mod q for row in [0, q) and |e| &lt; q, branch-free. */
    private static void addSmall(long[] row, long[] e, long q, int sign) {
        for (int c = 0; c < row.length; c++) {
            long s = row[c] + sign * e[c];
            s += (s >> 63) & q;
            s -= q;
            row[c] = s + ((s >> 63) & q);
        }
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
            modUp(d, digits, w.coeff, par);
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
        modDown(acc0, null, c0, w.conv, par);
        modDown(acc1, null, c1, w.conv, par);
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
            long[][] v = new long[level + 1 + specialCount][];
            System.arraycopy(rows, 0, v, 0, level + 1);
            System.arraycopy(rows, maxLevel + 1, v, level + 1, specialCount);
            return RnsPoly.wrap(ringQPAtLevel[level], v, true);
        }
    }

    /**
     * The limbs of a key polynomial (over Q_L and P for some L at least l) that belong to Q_l P, as a
     * view.
     *
     * @param full  a polynomial over {@link #ringQP(int)} of a level L at least l
     * @param level the level l
     * @return the view over {@link #ringQP(int)} (shares rows)
     */
    RnsPoly restrictToLevel(RnsPoly full, int level) {
        int pStart = full.limbs() - specialCount;
        if (pStart < level + 1) {
            throw new IllegalArgumentException("a polynomial over q_0 .. q_" + (pStart - 1) + " and P has no limbs of level " + level);
        }
        long[][] rows = new long[level + 1 + specialCount][];
        for (int i = 0; i <= level; i++) {
            rows[i] = full.limb(i);
        }
        for (int k = 0; k < specialCount; k++) {
            rows[level + 1 + k] = full.limb(pStart + k);
        }
        return RnsPoly.wrap(ringQPAtLevel[level], rows, full.isNtt());
    }
}
