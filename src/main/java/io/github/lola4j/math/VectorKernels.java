package io.github.lola4j.math;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The butterflies of {@link Ntt} and the element-wise products of {@link Modulus} on eight 64-bit
 * lanes with the incubating Vector API, giving bit for bit the values of the scalar code.
 *
 * <p>x86 has no 64 x 64 -&gt; 128-bit vector product, so the Shoup quotient, the high half of
 * y w' for y &lt; 2^63 and the twiddle's signed companion w', is put together from four 32 x 32
 * products of the halves (each exact in a 64-bit lane): the unsigned high product of y and w'
 * read as unsigned, minus y when w' is negative, which is exactly Math.multiplyHigh(y, w'). The
 * two low products wrap as in scalar code. Six lane multiplications per eight butterflies against
 * three scalar ones per butterfly is the whole gain.
 *
 * <p>Stages whose butterfly distance t is at least 8 work on whole vectors at a and a + t. Each
 * of the stages with t = 4, 2, 1 is a pass over blocks of 16 values: the block's two vectors are
 * regrouped by lane permutations so that each butterfly has its two operands in the same lane of
 * two vectors, and put back in order after the butterflies; the twiddles of a block are
 * consecutive in the tables and are spread over the lanes by a permutation. (Three stages in one
 * pass would keep the block in registers, but C2 then stops inlining; see {@link #run}.)
 *
 * <p>Loaded only through {@link Simd}, which checks that the module is present and that the
 * hardware has 512-bit vectors, and compiled apart from the rest of the library (see pom.xml),
 * since it alone needs {@code --add-modules jdk.incubator.vector}.
 */
final class VectorKernels implements Kernels {

    private static final VectorSpecies<Long> S = LongVector.SPECIES_512;
    private static final long LOW32 = 0xFFFFFFFFL;

    // Lanes {4..7}, {2, 3, 6, 7} and the odd lanes: which lanes a blend takes from its argument.
    private static final VectorMask<Long> UPPER = VectorMask.fromValues(S, false, false, false, false, true, true, true, true);
    private static final VectorMask<Long> PAIRS = VectorMask.fromValues(S, false, false, true, true, false, false, true, true);
    private static final VectorMask<Long> ODD = VectorMask.fromValues(S, false, true, false, true, false, true, false, true);

    // Permutations; the lanes a following blend discards are given any index.
    private static final VectorShuffle<Long> LOW_TWICE = VectorShuffle.fromValues(S, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final VectorShuffle<Long> HIGH_TWICE = VectorShuffle.fromValues(S, 4, 5, 6, 7, 4, 5, 6, 7);
    private static final VectorShuffle<Long> PAIRS_LOW = VectorShuffle.fromValues(S, 0, 1, 4, 5, 0, 1, 4, 5);
    private static final VectorShuffle<Long> PAIRS_HIGH = VectorShuffle.fromValues(S, 2, 3, 6, 7, 2, 3, 6, 7);
    private static final VectorShuffle<Long> UNPAIR_LOW = VectorShuffle.fromValues(S, 0, 1, 0, 1, 2, 3, 2, 3);
    private static final VectorShuffle<Long> UNPAIR_HIGH = VectorShuffle.fromValues(S, 4, 5, 4, 5, 6, 7, 6, 7);
    private static final VectorShuffle<Long> EVENS = VectorShuffle.fromValues(S, 0, 2, 4, 6, 0, 2, 4, 6);
    private static final VectorShuffle<Long> ODDS = VectorShuffle.fromValues(S, 1, 3, 5, 7, 1, 3, 5, 7);
    private static final VectorShuffle<Long> SPREAD_LOW = VectorShuffle.fromValues(S, 0, 0, 1, 1, 2, 2, 3, 3);
    private static final VectorShuffle<Long> SPREAD_HIGH = VectorShuffle.fromValues(S, 4, 4, 5, 5, 6, 6, 7, 7);
    private static final VectorShuffle<Long> QUARTERS = VectorShuffle.fromValues(S, 0, 0, 0, 0, 1, 1, 1, 1);

    /**
     * One pass over the array: a stage (m groups at distance t, twiddles w[m + group] with
     * companions wp) or, for the passes on blocks of 16 and the last inverse stage, a fixed stage
     * that ignores m and t.
     */
    @FunctionalInterface
    private interface Pass {
        void run(long[] a, int m, int t, long[] w, long[] wp, NttTables tables);
    }

    // Instance fields, not static final ones: C2 folds a static final into a known receiver and
    // inlines it, which is what run() below must prevent.
    private final Pass forwardStage = VectorKernels::forwardStage;
    private final Pass forward4 = VectorKernels::forwardStage4;
    private final Pass forward2 = VectorKernels::forwardStage2;
    private final Pass forward1 = VectorKernels::forwardStage1;
    private final Pass inverse1 = VectorKernels::inverseStage1;
    private final Pass inverse2 = VectorKernels::inverseStage2;
    private final Pass inverse4 = VectorKernels::inverseStage4;
    private final Pass inverseStage = VectorKernels::inverseStage;
    private final Pass inverseLast = VectorKernels::inverseLastStage;

    VectorKernels() {
    }

    /**
     * Every pass is called from this one call site, on purpose. C2 inlines the Vector API of one
     * pass well, but when it inlines several passes into one caller it runs out of its inlining
     * budget and leaves vector operations as calls on boxed vectors, several times slower
     * (measured: forward N = 8192 went from 27 to 38 us when C2 inlined the passes into the
     * driver loop). Nine receiver classes make this call site megamorphic, which C2 does not
     * inline, so each pass is compiled on its own whatever the caller.
     */
    private static void run(Pass pass, long[] a, int m, int t, long[] w, long[] wp, NttTables tables) {
        pass.run(a, m, t, w, wp, tables);
    }

    @Override
    public void mul(Modulus m, long[] x, long[] y, long[] z) {
        mulRows(m, x, y, z, false);
    }

    @Override
    public void mulAdd(Modulus m, long[] x, long[] y, long[] z) {
        mulRows(m, x, y, z, true);
    }

    /**
     * z = x y mod q, or z = (z + x y) mod q, by the Barrett reduction of {@link Modulus#mul}: the
     * 128-bit product x y and the product of its top bits with the Barrett constant each from
     * four 32 x 32 products of halves; the estimate, the remainder and the two conditional
     * subtractions as in scalar code. All values in [0, q); the last length mod 8 values go
     * through the scalar code. (Unlike the transform passes this needs no guard against
     * inlining, see {@link #run}: its bytecode is above C2's limit for inlining hot methods, 325
     * bytes, so C2 compiles it on its own.)
     */
    private static void mulRows(Modulus m, long[] x, long[] y, long[] z, boolean accumulate) {
        final long q = m.value();
        final int shiftHigh = m.shiftHigh();
        final int shiftLow = m.shiftLow();
        final int shiftOut = m.shiftOut();
        final long barrett = m.barrettConstant();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final LongVector mv = LongVector.broadcast(S, barrett);
        final LongVector mLo = LongVector.broadcast(S, barrett & LOW32);
        final LongVector mHi = LongVector.broadcast(S, barrett >>> 32);
        final int n = z.length;
        final int bound = S.loopBound(n);
        for (int j = 0; j < bound; j += 8) {
            LongVector a = LongVector.fromArray(S, x, j);
            LongVector b = LongVector.fromArray(S, y, j);
            LongVector lo = a.mul(b);
            LongVector hi = mulHigh(a, b.and(low32), b.lanewise(VectorOperators.LSHR, 32), low32);
            LongVector top = hi.lanewise(VectorOperators.LSHL, shiftHigh).or(lo.lanewise(VectorOperators.LSHR, shiftLow));
            LongVector ph = mulHigh(top, mLo, mHi, low32);
            LongVector est = ph.lanewise(VectorOperators.LSHL, 64 - shiftOut)
                    .or(top.mul(mv).lanewise(VectorOperators.LSHR, shiftOut));
            LongVector r = lo.sub(est.mul(qv)).sub(qv);
            r = r.add(r.lanewise(VectorOperators.ASHR, 63).and(qv)).sub(qv);
            r = r.add(r.lanewise(VectorOperators.ASHR, 63).and(qv));
            if (accumulate) {
                r = LongVector.fromArray(S, z, j).add(r).sub(qv);
                r = r.add(r.lanewise(VectorOperators.ASHR, 63).and(qv));
            }
            r.intoArray(z, j);
        }
        for (int j = bound; j < n; j++) {
            long r = m.mul(x[j], y[j]);
            if (accumulate) {
                r = z[j] + r - q;
                r += (r >> 63) & q;
            }
            z[j] = r;
        }
    }

    /**
     * The high 64 bits of a b per lane, for a, b &lt; 2^63, b given by its 32-bit halves (exact:
     * the four partial products and the carry out of the middle column).
     */
    private static LongVector mulHigh(LongVector a, LongVector bLo, LongVector bHi, LongVector low32) {
        LongVector aLo = a.and(low32);
        LongVector aHi = a.lanewise(VectorOperators.LSHR, 32);
        LongVector p0 = aLo.mul(bLo);
        LongVector p1 = aLo.mul(bHi);
        LongVector p2 = aHi.mul(bLo);
        LongVector p3 = aHi.mul(bHi);
        LongVector mid = p0.lanewise(VectorOperators.LSHR, 32).add(p1.and(low32)).add(p2.and(low32));
        return p3.add(p1.lanewise(VectorOperators.LSHR, 32))
                .add(p2.lanewise(VectorOperators.LSHR, 32))
                .add(mid.lanewise(VectorOperators.LSHR, 32));
    }

    /** The 64-bit lanes of the hardware's preferred vectors; the kernels assume 8. */
    static int preferredLongLanes() {
        return LongVector.SPECIES_PREFERRED.length();
    }

    /**
     * y w - Math.multiplyHigh(y, w') q per lane, for y in [0, 2^63): wLo and wHi are the unsigned
     * halves of w', neg is w' &gt;&gt; 63 (all ones when w' &lt; 0).
     */
    private static LongVector mulShoup(LongVector y, LongVector w, LongVector wLo, LongVector wHi,
                                       LongVector neg, LongVector q, LongVector low32) {
        LongVector hi = mulHigh(y, wLo, wHi, low32).sub(y.and(neg));
        return y.mul(w).sub(hi.mul(q));
    }

    /** x - 2q if x &ge; 2q, else x, for x in [0, 4q). */
    private static LongVector reduce2q(LongVector x, LongVector q2) {
        LongVector d = x.sub(q2);
        return d.add(d.lanewise(VectorOperators.ASHR, 63).and(q2));
    }

    @Override
    public void forwardLazy(long[] a, NttTables tables) {
        final long[] w = tables.roots;
        final long[] wp = tables.rootsShoup;
        int m = 1;
        int t = tables.n >> 1;
        for (; t >= 8; m <<= 1, t >>= 1) {
            run(forwardStage, a, m, t, w, wp, tables);
        }
        run(forward4, a, m, t, w, wp, tables);
        run(forward2, a, m, t, w, wp, tables);
        run(forward1, a, m, t, w, wp, tables);
    }

    /** One stage, t &ge; 8: the scalar forward butterfly on whole vectors. */
    private static void forwardStage(long[] a, int m, int t, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        for (int i = 0; i < m; i++) {
            final int j1 = 2 * i * t;
            final int j2 = j1 + t;
            final long wpi = wp[m + i];
            final LongVector wi = LongVector.broadcast(S, w[m + i]);
            final LongVector wLo = LongVector.broadcast(S, wpi & LOW32);
            final LongVector wHi = LongVector.broadcast(S, wpi >>> 32);
            final LongVector neg = LongVector.broadcast(S, wpi >> 63);
            for (int j = j1; j < j2; j += 8) {
                LongVector x = reduce2q(LongVector.fromArray(S, a, j), q2);
                LongVector v = mulShoup(LongVector.fromArray(S, a, j + t), wi, wLo, wHi, neg, qv, low32);
                x.add(v).intoArray(a, j);
                x.sub(v).add(q2).intoArray(a, j + t);
            }
        }
    }

    /**
     * t = 4: x = values 0-3 and 8-11 of a block, y = 4-7 and 12-15; groups 2b and 2b + 1 of the
     * N/8, with their twiddles spread over four lanes each.
     */
    private static void forwardStage4(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int m = n >> 3;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = reduce2q(lo.blend(hi.rearrange(LOW_TWICE), UPPER), q2);
            LongVector y = lo.rearrange(HIGH_TWICE).blend(hi, UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 3)).rearrange(QUARTERS);
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 3)).rearrange(QUARTERS);
            LongVector v = mulShoup(y, wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            LongVector s = x.add(v);
            LongVector d = x.sub(v).add(q2);
            s.blend(d.rearrange(LOW_TWICE), UPPER).intoArray(a, j);
            s.rearrange(HIGH_TWICE).blend(d, UPPER).intoArray(a, j + 8);
        }
    }

    /** t = 2: x = values 0, 1, 4, 5, 8, 9, 12, 13 of a block; groups 4b .. 4b + 3 of the N/4. */
    private static void forwardStage2(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int m = n >> 2;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = reduce2q(lo.rearrange(PAIRS_LOW).blend(hi.rearrange(PAIRS_LOW), UPPER), q2);
            LongVector y = lo.rearrange(PAIRS_HIGH).blend(hi.rearrange(PAIRS_HIGH), UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector v = mulShoup(y, wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            LongVector s = x.add(v);
            LongVector d = x.sub(v).add(q2);
            s.rearrange(UNPAIR_LOW).blend(d.rearrange(UNPAIR_LOW), PAIRS).intoArray(a, j);
            s.rearrange(UNPAIR_HIGH).blend(d.rearrange(UNPAIR_HIGH), PAIRS).intoArray(a, j + 8);
        }
    }

    /** t = 1: x = the even values of a block, y = the odd ones; groups 8b .. 8b + 7 of the N/2. */
    private static void forwardStage1(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int m = n >> 1;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = reduce2q(lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER), q2);
            LongVector y = lo.rearrange(ODDS).blend(hi.rearrange(ODDS), UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 1));
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 1));
            LongVector v = mulShoup(y, wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            LongVector s = x.add(v);
            LongVector d = x.sub(v).add(q2);
            s.rearrange(SPREAD_LOW).blend(d.rearrange(SPREAD_LOW), ODD).intoArray(a, j);
            s.rearrange(SPREAD_HIGH).blend(d.rearrange(SPREAD_HIGH), ODD).intoArray(a, j + 8);
        }
    }

    @Override
    public void inverseLazy(long[] a, NttTables tables) {
        final long[] w = tables.invRoots;
        final long[] wp = tables.invRootsShoup;
        run(inverse1, a, 0, 1, w, wp, tables);
        run(inverse2, a, 0, 2, w, wp, tables);
        run(inverse4, a, 0, 4, w, wp, tables);
        int h = tables.n >> 4;
        int t = 8;
        for (; h > 1; h >>= 1, t <<= 1) {
            run(inverseStage, a, h, t, w, wp, tables);
        }
        run(inverseLast, a, 1, t, w, wp, tables);
    }

    /** The inverse butterfly on whole vectors: h groups at distance t &ge; 8. */
    private static void inverseStage(long[] a, int h, int t, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        for (int i = 0; i < h; i++) {
            final int j1 = 2 * i * t;
            final int j2 = j1 + t;
            final long wpi = wp[h + i];
            final LongVector wi = LongVector.broadcast(S, w[h + i]);
            final LongVector wLo = LongVector.broadcast(S, wpi & LOW32);
            final LongVector wHi = LongVector.broadcast(S, wpi >>> 32);
            final LongVector neg = LongVector.broadcast(S, wpi >> 63);
            for (int j = j1; j < j2; j += 8) {
                LongVector x = LongVector.fromArray(S, a, j);
                LongVector y = LongVector.fromArray(S, a, j + t);
                reduce2q(x.add(y), q2).intoArray(a, j);
                mulShoup(x.sub(y).add(q2), wi, wLo, wHi, neg, qv, low32).intoArray(a, j + t);
            }
        }
    }

    /** t = 1: x = the even values of a block, y = the odd ones; groups 8b .. 8b + 7 of the N/2. */
    private static void inverseStage1(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int h = n >> 1;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER);
            LongVector y = lo.rearrange(ODDS).blend(hi.rearrange(ODDS), UPPER);
            LongVector wv = LongVector.fromArray(S, w, h + (j >> 1));
            LongVector wpv = LongVector.fromArray(S, wp, h + (j >> 1));
            LongVector s = reduce2q(x.add(y), q2);
            LongVector d = mulShoup(x.sub(y).add(q2), wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            s.rearrange(SPREAD_LOW).blend(d.rearrange(SPREAD_LOW), ODD).intoArray(a, j);
            s.rearrange(SPREAD_HIGH).blend(d.rearrange(SPREAD_HIGH), ODD).intoArray(a, j + 8);
        }
    }

    /** t = 2: x = values 0, 1, 4, 5, 8, 9, 12, 13 of a block; groups 4b .. 4b + 3 of the N/4. */
    private static void inverseStage2(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int h = n >> 2;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = lo.rearrange(PAIRS_LOW).blend(hi.rearrange(PAIRS_LOW), UPPER);
            LongVector y = lo.rearrange(PAIRS_HIGH).blend(hi.rearrange(PAIRS_HIGH), UPPER);
            LongVector wv = LongVector.fromArray(S, w, h + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector wpv = LongVector.fromArray(S, wp, h + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector s = reduce2q(x.add(y), q2);
            LongVector d = mulShoup(x.sub(y).add(q2), wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            s.rearrange(UNPAIR_LOW).blend(d.rearrange(UNPAIR_LOW), PAIRS).intoArray(a, j);
            s.rearrange(UNPAIR_HIGH).blend(d.rearrange(UNPAIR_HIGH), PAIRS).intoArray(a, j + 8);
        }
    }

    /** t = 4: x = values 0-3 and 8-11 of a block, y = 4-7 and 12-15; groups 2b, 2b + 1 of the N/8. */
    private static void inverseStage4(long[] a, int unusedM, int unusedT, long[] w, long[] wp, NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final int n = a.length;
        final int h = n >> 3;
        for (int j = 0; j < n; j += 16) {
            LongVector lo = LongVector.fromArray(S, a, j);
            LongVector hi = LongVector.fromArray(S, a, j + 8);
            LongVector x = lo.blend(hi.rearrange(LOW_TWICE), UPPER);
            LongVector y = lo.rearrange(HIGH_TWICE).blend(hi, UPPER);
            LongVector wv = LongVector.fromArray(S, w, h + (j >> 3)).rearrange(QUARTERS);
            LongVector wpv = LongVector.fromArray(S, wp, h + (j >> 3)).rearrange(QUARTERS);
            LongVector s = reduce2q(x.add(y), q2);
            LongVector d = mulShoup(x.sub(y).add(q2), wv, wpv.and(low32), wpv.lanewise(VectorOperators.LSHR, 32),
                    wpv.lanewise(VectorOperators.ASHR, 63), qv, low32);
            s.blend(d.rearrange(LOW_TWICE), UPPER).intoArray(a, j);
            s.rearrange(HIGH_TWICE).blend(d, UPPER).intoArray(a, j + 8);
        }
    }

    /** The last stage (distance N/2) with N^-1 folded in, as in {@link Ntt}. */
    private static void inverseLastStage(long[] a, int unusedH, int unusedT, long[] unusedW, long[] unusedWp,
                                         NttTables tables) {
        final long q = tables.modulus.value();
        final LongVector qv = LongVector.broadcast(S, q);
        final LongVector q2 = LongVector.broadcast(S, 2 * q);
        final LongVector low32 = LongVector.broadcast(S, LOW32);
        final LongVector ni = LongVector.broadcast(S, tables.nInv);
        final LongVector niLo = LongVector.broadcast(S, tables.nInvShoup & LOW32);
        final LongVector niHi = LongVector.broadcast(S, tables.nInvShoup >>> 32);
        final LongVector niNeg = LongVector.broadcast(S, tables.nInvShoup >> 63);
        final LongVector wl = LongVector.broadcast(S, tables.lastInvRootTimesNInv);
        final LongVector wlLo = LongVector.broadcast(S, tables.lastInvRootTimesNInvShoup & LOW32);
        final LongVector wlHi = LongVector.broadcast(S, tables.lastInvRootTimesNInvShoup >>> 32);
        final LongVector wlNeg = LongVector.broadcast(S, tables.lastInvRootTimesNInvShoup >> 63);
        final int half = a.length >> 1;
        for (int j = 0; j < half; j += 8) {
            LongVector x = LongVector.fromArray(S, a, j);
            LongVector y = LongVector.fromArray(S, a, j + half);
            mulShoup(x.add(y), ni, niLo, niHi, niNeg, qv, low32).intoArray(a, j);
            mulShoup(x.sub(y).add(q2), wl, wlLo, wlHi, wlNeg, qv, low32).intoArray(a, j + half);
        }
    }
}
