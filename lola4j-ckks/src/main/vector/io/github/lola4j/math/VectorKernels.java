package io.github.lola4j.math;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
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
 * <p><b>Written out in full.</b> Every pass spells out its products without helper methods, on
 * purpose. The Vector API's own methods are force-inlined, so C2 turns a pass into plain vector
 * instructions; a helper method of ours would be inlined only where C2's profile calls the call
 * site hot, and elsewhere (an early or on-stack-replacement compilation) C2 leaves a real call that
 * passes boxed vector objects, several times slower. Forks of the same benchmark then differed by
 * up to 5x (rescale at N = 8192: 0.26 or 1.3 ms).
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
     * through the scalar code. (Unlike the transform passes this needs no guard against being
     * inlined into its callers, see {@link #run}: its bytecode is above C2's limit for inlining
     * hot methods, 325 bytes, so C2 compiles it on its own.)
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
            LongVector aLo = a.and(low32);
            LongVector aHi = a.lanewise(LSHR, 32);
            LongVector crossAB = aLo.mul(b.lanewise(LSHR, 32));
            LongVector crossBA = aHi.mul(b.and(low32));
            LongVector midAB = aLo.mul(b.and(low32)).lanewise(LSHR, 32).add(crossAB.and(low32)).add(crossBA.and(low32));
            LongVector hi = aHi.mul(b.lanewise(LSHR, 32)).add(crossAB.lanewise(LSHR, 32)).add(crossBA.lanewise(LSHR, 32))
                    .add(midAB.lanewise(LSHR, 32));
            LongVector top = hi.lanewise(LSHL, shiftHigh).or(lo.lanewise(LSHR, shiftLow));
            LongVector topLo = top.and(low32);
            LongVector topHi = top.lanewise(LSHR, 32);
            LongVector crossTM = topLo.mul(mHi);
            LongVector crossMT = topHi.mul(mLo);
            LongVector midTM = topLo.mul(mLo).lanewise(LSHR, 32).add(crossTM.and(low32)).add(crossMT.and(low32));
            LongVector ph = topHi.mul(mHi).add(crossTM.lanewise(LSHR, 32)).add(crossMT.lanewise(LSHR, 32))
                    .add(midTM.lanewise(LSHR, 32));
            LongVector est = ph.lanewise(LSHL, 64 - shiftOut)
                    .or(top.mul(mv).lanewise(LSHR, shiftOut));
            LongVector r = lo.sub(est.mul(qv)).sub(qv);
            r = r.add(r.lanewise(ASHR, 63).and(qv)).sub(qv);
            r = r.add(r.lanewise(ASHR, 63).and(qv));
            if (accumulate) {
                r = LongVector.fromArray(S, z, j).add(r).sub(qv);
                r = r.add(r.lanewise(ASHR, 63).and(qv));
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

    /** The 64-bit lanes of the hardware's preferred vectors; the kernels assume 8. */
    static int preferredLongLanes() {
        return LongVector.SPECIES_PREFERRED.length();
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
                LongVector over = LongVector.fromArray(S, a, j).sub(q2);
                LongVector x = over.add(over.lanewise(ASHR, 63).and(q2));
                LongVector y = LongVector.fromArray(S, a, j + t);
                LongVector yLo = y.and(low32);
                LongVector yHi = y.lanewise(LSHR, 32);
                LongVector crossA = yLo.mul(wHi);
                LongVector crossB = yHi.mul(wLo);
                LongVector mid = yLo.mul(wLo).lanewise(LSHR, 32).add(crossA.and(low32)).add(crossB.and(low32));
                LongVector high = yHi.mul(wHi).add(crossA.lanewise(LSHR, 32)).add(crossB.lanewise(LSHR, 32))
                        .add(mid.lanewise(LSHR, 32));
                LongVector v = y.mul(wi).sub(high.sub(y.and(neg)).mul(qv));
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
            LongVector over3 = (lo.blend(hi.rearrange(LOW_TWICE), UPPER)).sub(q2);
            LongVector x = over3.add(over3.lanewise(ASHR, 63).and(q2));
            LongVector y = lo.rearrange(HIGH_TWICE).blend(hi, UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 3)).rearrange(QUARTERS);
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 3)).rearrange(QUARTERS);
            LongVector wLo4 = wpv.and(low32);
            LongVector wHi4 = wpv.lanewise(LSHR, 32);
            LongVector neg4 = wpv.lanewise(ASHR, 63);
            LongVector yLo4 = y.and(low32);
            LongVector yHi4 = y.lanewise(LSHR, 32);
            LongVector cross4a = yLo4.mul(wHi4);
            LongVector cross4b = yHi4.mul(wLo4);
            LongVector mid4 = yLo4.mul(wLo4).lanewise(LSHR, 32).add(cross4a.and(low32)).add(cross4b.and(low32));
            LongVector high4 = yHi4.mul(wHi4).add(cross4a.lanewise(LSHR, 32)).add(cross4b.lanewise(LSHR, 32))
                    .add(mid4.lanewise(LSHR, 32));
            LongVector v = y.mul(wv).sub(high4.sub(y.and(neg4)).mul(qv));
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
            LongVector over5 = (lo.rearrange(PAIRS_LOW).blend(hi.rearrange(PAIRS_LOW), UPPER)).sub(q2);
            LongVector x = over5.add(over5.lanewise(ASHR, 63).and(q2));
            LongVector y = lo.rearrange(PAIRS_HIGH).blend(hi.rearrange(PAIRS_HIGH), UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 2)).rearrange(SPREAD_LOW);
            LongVector wLo6 = wpv.and(low32);
            LongVector wHi6 = wpv.lanewise(LSHR, 32);
            LongVector neg6 = wpv.lanewise(ASHR, 63);
            LongVector yLo6 = y.and(low32);
            LongVector yHi6 = y.lanewise(LSHR, 32);
            LongVector cross6a = yLo6.mul(wHi6);
            LongVector cross6b = yHi6.mul(wLo6);
            LongVector mid6 = yLo6.mul(wLo6).lanewise(LSHR, 32).add(cross6a.and(low32)).add(cross6b.and(low32));
            LongVector high6 = yHi6.mul(wHi6).add(cross6a.lanewise(LSHR, 32)).add(cross6b.lanewise(LSHR, 32))
                    .add(mid6.lanewise(LSHR, 32));
            LongVector v = y.mul(wv).sub(high6.sub(y.and(neg6)).mul(qv));
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
            LongVector over7 = (lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER)).sub(q2);
            LongVector x = over7.add(over7.lanewise(ASHR, 63).and(q2));
            LongVector y = lo.rearrange(ODDS).blend(hi.rearrange(ODDS), UPPER);
            LongVector wv = LongVector.fromArray(S, w, m + (j >> 1));
            LongVector wpv = LongVector.fromArray(S, wp, m + (j >> 1));
            LongVector wLo8 = wpv.and(low32);
            LongVector wHi8 = wpv.lanewise(LSHR, 32);
            LongVector neg8 = wpv.lanewise(ASHR, 63);
            LongVector yLo8 = y.and(low32);
            LongVector yHi8 = y.lanewise(LSHR, 32);
            LongVector cross8a = yLo8.mul(wHi8);
            LongVector cross8b = yHi8.mul(wLo8);
            LongVector mid8 = yLo8.mul(wLo8).lanewise(LSHR, 32).add(cross8a.and(low32)).add(cross8b.and(low32));
            LongVector high8 = yHi8.mul(wHi8).add(cross8a.lanewise(LSHR, 32)).add(cross8b.lanewise(LSHR, 32))
                    .add(mid8.lanewise(LSHR, 32));
            LongVector v = y.mul(wv).sub(high8.sub(y.and(neg8)).mul(qv));
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
                LongVector over9 = (x.add(y)).sub(q2);
                over9.add(over9.lanewise(ASHR, 63).and(q2)).intoArray(a, j);
                LongVector y10 = x.sub(y).add(q2);
                LongVector aLo0 = y10.and(low32);
                LongVector aHi0 = y10.lanewise(LSHR, 32);
                LongVector cross10a = aLo0.mul(wHi);
                LongVector cross10b = aHi0.mul(wLo);
                LongVector midAB0 = aLo0.mul(wLo).lanewise(LSHR, 32).add(cross10a.and(low32)).add(cross10b.and(low32));
                LongVector high10 = aHi0.mul(wHi).add(cross10a.lanewise(LSHR, 32)).add(cross10b.lanewise(LSHR, 32))
                        .add(midAB0.lanewise(LSHR, 32));
                LongVector v10 = y10.mul(wi).sub(high10.sub(y10.and(neg)).mul(qv));
                v10.intoArray(a, j + t);
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
            LongVector over11 = (x.add(y)).sub(q2);
            LongVector s = over11.add(over11.lanewise(ASHR, 63).and(q2));
            LongVector y12 = x.sub(y).add(q2);
            LongVector wLo12 = wpv.and(low32);
            LongVector wHi12 = wpv.lanewise(LSHR, 32);
            LongVector neg12 = wpv.lanewise(ASHR, 63);
            LongVector aLo2 = y12.and(low32);
            LongVector aHi2 = y12.lanewise(LSHR, 32);
            LongVector cross12a = aLo2.mul(wHi12);
            LongVector cross12b = aHi2.mul(wLo12);
            LongVector midAB2 = aLo2.mul(wLo12).lanewise(LSHR, 32).add(cross12a.and(low32)).add(cross12b.and(low32));
            LongVector high12 = aHi2.mul(wHi12).add(cross12a.lanewise(LSHR, 32)).add(cross12b.lanewise(LSHR, 32))
                    .add(midAB2.lanewise(LSHR, 32));
            LongVector d = y12.mul(wv).sub(high12.sub(y12.and(neg12)).mul(qv));
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
            LongVector over13 = (x.add(y)).sub(q2);
            LongVector s = over13.add(over13.lanewise(ASHR, 63).and(q2));
            LongVector y14 = x.sub(y).add(q2);
            LongVector wLo14 = wpv.and(low32);
            LongVector wHi14 = wpv.lanewise(LSHR, 32);
            LongVector neg14 = wpv.lanewise(ASHR, 63);
            LongVector aLo4 = y14.and(low32);
            LongVector aHi4 = y14.lanewise(LSHR, 32);
            LongVector cross14a = aLo4.mul(wHi14);
            LongVector cross14b = aHi4.mul(wLo14);
            LongVector midAB4 = aLo4.mul(wLo14).lanewise(LSHR, 32).add(cross14a.and(low32)).add(cross14b.and(low32));
            LongVector high14 = aHi4.mul(wHi14).add(cross14a.lanewise(LSHR, 32)).add(cross14b.lanewise(LSHR, 32))
                    .add(midAB4.lanewise(LSHR, 32));
            LongVector d = y14.mul(wv).sub(high14.sub(y14.and(neg14)).mul(qv));
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
            LongVector over15 = (x.add(y)).sub(q2);
            LongVector s = over15.add(over15.lanewise(ASHR, 63).and(q2));
            LongVector y16 = x.sub(y).add(q2);
            LongVector wLo16 = wpv.and(low32);
            LongVector wHi16 = wpv.lanewise(LSHR, 32);
            LongVector neg16 = wpv.lanewise(ASHR, 63);
            LongVector aLo6 = y16.and(low32);
            LongVector aHi6 = y16.lanewise(LSHR, 32);
            LongVector cross16a = aLo6.mul(wHi16);
            LongVector cross16b = aHi6.mul(wLo16);
            LongVector midAB6 = aLo6.mul(wLo16).lanewise(LSHR, 32).add(cross16a.and(low32)).add(cross16b.and(low32));
            LongVector high16 = aHi6.mul(wHi16).add(cross16a.lanewise(LSHR, 32)).add(cross16b.lanewise(LSHR, 32))
                    .add(midAB6.lanewise(LSHR, 32));
            LongVector d = y16.mul(wv).sub(high16.sub(y16.and(neg16)).mul(qv));
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
            LongVector y17 = x.add(y);
            LongVector aLo7 = y17.and(low32);
            LongVector aHi7 = y17.lanewise(LSHR, 32);
            LongVector cross17a = aLo7.mul(niHi);
            LongVector cross17b = aHi7.mul(niLo);
            LongVector midAB7 = aLo7.mul(niLo).lanewise(LSHR, 32).add(cross17a.and(low32)).add(cross17b.and(low32));
            LongVector high17 = aHi7.mul(niHi).add(cross17a.lanewise(LSHR, 32)).add(cross17b.lanewise(LSHR, 32))
                    .add(midAB7.lanewise(LSHR, 32));
            LongVector v17 = y17.mul(ni).sub(high17.sub(y17.and(niNeg)).mul(qv));
            v17.intoArray(a, j);
            LongVector y18 = x.sub(y).add(q2);
            LongVector aLo8 = y18.and(low32);
            LongVector aHi8 = y18.lanewise(LSHR, 32);
            LongVector cross18a = aLo8.mul(wlHi);
            LongVector cross18b = aHi8.mul(wlLo);
            LongVector midAB8 = aLo8.mul(wlLo).lanewise(LSHR, 32).add(cross18a.and(low32)).add(cross18b.and(low32));
            LongVector high18 = aHi8.mul(wlHi).add(cross18a.lanewise(LSHR, 32)).add(cross18b.lanewise(LSHR, 32))
                    .add(midAB8.lanewise(LSHR, 32));
            LongVector v18 = y18.mul(wl).sub(high18.sub(y18.and(wlNeg)).mul(qv));
            v18.intoArray(a, j + half);
        }
    }
}
