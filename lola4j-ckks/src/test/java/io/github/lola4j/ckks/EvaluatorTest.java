package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.CkksContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every evaluator operation against plaintext math, at every level, with asserted error bounds. */
class EvaluatorTest {

    static final String N13 = "logN=13/L=3/P=1/scale=36";
    static final String N14 = "logN=14/L=6/P=2/scale=40";
    /** The preset with one special prime and one digit per prime. */
    static final String N14_ONE_SPECIAL = "logN=14/L=6/P=1/scale=40";

    /** The error a chain of a few operations must stay below: 2^-(scaleBits - 16). */
    private static double bound(CkksContext c) {
        return 65536.0 / c.params.defaultScale();
    }

    private static void assertClose(CkksContext c, double[] expected, Ciphertext ct, String what) {
        assertClose(c, expected, ct, what, 1);
    }

    /** Within {@code factor} times the bound: operations that scale the noise (x k, sums of k terms) scale it by k. */
    private static void assertClose(CkksContext c, double[] expected, Ciphertext ct, String what, double factor) {
        PrecisionStats s = PrecisionStats.compare(expected, c.decrypt(ct));
        assertTrue(s.maxError() < bound(c) * factor, what + ": " + s);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL})
    void additiveOperationsAtEveryLevel(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(1);
        double[] y = c.randomValues(2);
        int n = x.length;
        for (int level = 0; level <= c.params.maxLevel(); level++) {
            Ciphertext a = c.encrypt(x, level);
            Ciphertext b = c.encrypt(y, level);
            double[] sum = new double[n];
            double[] diff = new double[n];
            double[] neg = new double[n];
            double[] plusConst = new double[n];
            for (int i = 0; i < n; i++) {
                sum[i] = x[i] + y[i];
                diff[i] = x[i] - y[i];
                neg[i] = -x[i];
                plusConst[i] = x[i] + 0.75;
            }
            assertClose(c, sum, ev.add(a, b), "add at level " + level);
            assertClose(c, diff, ev.sub(a, b), "sub at level " + level);
            assertClose(c, neg, ev.negate(a), "negate at level " + level);
            assertClose(c, plusConst, ev.addConst(a, 0.75), "addConst at level " + level);
            Plaintext py = c.encoder.encode(y, level, a.scale());
            assertClose(c, sum, ev.addPlain(a, py), "addPlain at level " + level);
            assertClose(c, diff, ev.subPlain(a, py), "subPlain at level " + level);
            // A plaintext above the ciphertext's level is used at the ciphertext's level.
            Plaintext high = c.encoder.encode(y, c.params.maxLevel(), a.scale());
            assertClose(c, sum, ev.addPlain(a, high), "addPlain with a higher-level plaintext at level " + level);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL})
    void multiplicationsRelinearizeAndRescaleAtEveryLevel(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(3);
        double[] y = c.randomValues(4);
        int n = x.length;
        double[] prod = new double[n];
        double[] times = new double[n];
        for (int i = 0; i < n; i++) {
            prod[i] = x[i] * y[i];
            times[i] = x[i] * -1.375;
        }
        for (int level = 1; level <= c.params.maxLevel(); level++) {
            Ciphertext a = c.encrypt(x, level);
            Ciphertext b = c.encrypt(y, level);
            Ciphertext m = ev.multiplyRelin(a, b);
            assertEquals(1, m.degree());
            Ciphertext r = ev.rescale(m);
            assertEquals(level - 1, r.level());
            assertEquals(a.scale() * b.scale() / c.params.prime(level), r.scale(), r.scale() * 1e-12);
            PrecisionStats s = PrecisionStats.compare(prod, c.decrypt(r));
            if (level == c.params.maxLevel()) {
                System.out.println(name + " multiply+relinearize+rescale: " + s);
            }
            // The bound: at scale 2^40, within 2^-20 of the exact value for inputs in [-1, 1].
            assertTrue(s.maxError() < bound(c), "level " + level + ": " + s);
            // Degree-2 ciphertexts decrypt too (c0 + c1 s + c2 s^2); rescaling before relinearizing would
            // multiply the rounding error by s^2, which is why relinearization comes first.
            assertClose(c, prod, ev.multiply(a, b), "multiply without relinearization at level " + level);
            Plaintext py = c.encoder.encode(y, level, c.params.prime(level));
            Ciphertext mp = ev.rescale(ev.multiplyPlain(a, py));
            assertEquals(a.scale(), mp.scale(), a.scale() * 1e-12, "weights at the prime's scale keep the scale");
            assertClose(c, prod, mp, "multiplyPlain at level " + level);
            Ciphertext mc = ev.rescale(ev.multiplyConst(a, -1.375));
            assertClose(c, times, mc, "multiplyConst at level " + level);
            double[] twice = new double[n];
            for (int i = 0; i < n; i++) {
                twice[i] = -3 * x[i];
            }
            assertClose(c, twice, ev.multiplyInteger(a, -3), "multiplyInteger at level " + level, 3);
            double[] sq = new double[n];
            for (int i = 0; i < n; i++) {
                sq[i] = x[i] * x[i];
            }
            assertClose(c, sq, ev.rescale(ev.squareRelin(a)), "square at level " + level);
            assertClose(c, x, ev.dropToLevel(a, level - 1), "dropToLevel at level " + level);
        }
    }

    /** 30-bit primes take the 64-bit sums, the others the 128-bit Montgomery sums; both must equal separate products. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL, "logN=10/L=2/P=1/scale=30/insecure"})
    void sumsOfProductsEqualSeparateProductsAndSums(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        int n = c.params.slots();
        for (int level = 1; level <= c.params.maxLevel(); level++) {
            int terms = 5 + level;
            Ciphertext[] xs = new Ciphertext[terms];
            Plaintext[] ps = new Plaintext[terms];
            double[] cs = new double[terms];
            double[] wantPlain = new double[n];
            double[] wantConst = new double[n];
            for (int t = 0; t < terms; t++) {
                double[] x = c.randomValues(100 + t);
                double[] w = c.randomValues(200 + t);
                xs[t] = c.encrypt(x, level);
                ps[t] = c.encoder.encode(w, level, c.params.prime(level));
                cs[t] = 0.25 * t - 0.5;
                for (int i = 0; i < n; i++) {
                    wantPlain[i] += x[i] * w[i];
                    wantConst[i] += x[i] * cs[t];
                }
            }
            Ciphertext sum = ev.multiplyPlainAndSum(xs, ps);
            Ciphertext ref = ev.multiplyPlain(xs[0], ps[0]);
            for (int t = 1; t < terms; t++) {
                ev.add(ref, ev.multiplyPlain(xs[t], ps[t]), ref);
            }
            for (int k = 0; k <= 1; k++) {
                assertEquals(ref.poly(k), sum.poly(k), "the lazily reduced sum is the exact sum, level " + level);
            }
            assertEquals(ref.scale(), sum.scale(), 0.0);
            assertClose(c, wantPlain, ev.rescale(sum), "multiplyPlainAndSum at level " + level, terms);
            Ciphertext constSum = ev.multiplyConstAndSum(xs, cs);
            Ciphertext constRef = ev.multiplyConst(xs[0], cs[0]);
            for (int t = 1; t < terms; t++) {
                ev.add(constRef, ev.multiplyConst(xs[t], cs[t]), constRef);
            }
            assertEquals(constRef.poly(0), constSum.poly(0), "the constant sum is exact, level " + level);
            assertClose(c, wantConst, ev.rescale(constSum), "multiplyConstAndSum at level " + level, terms);
        }
        Ciphertext a = c.encrypt(c.randomValues(1), 1);
        Ciphertext b = c.encrypt(c.randomValues(2), 0);
        Plaintext p = c.encoder.encode(c.randomValues(3), 1, c.params.prime(1));
        assertThrows(IllegalArgumentException.class, () -> ev.multiplyPlainAndSum(new Ciphertext[] {a, b}, new Plaintext[] {p, p}));
        assertThrows(IllegalArgumentException.class, () -> ev.multiplyPlainAndSum(new Ciphertext[] {a}, new Plaintext[] {p, p}));
        assertThrows(IllegalArgumentException.class, () -> ev.multiplyPlainAndSum(new Ciphertext[0], new Plaintext[0]));
        assertThrows(IllegalArgumentException.class, () -> ev.multiplyConstAndSum(new Ciphertext[] {a}, new double[] {Double.NaN}));
        Plaintext low = c.encoder.encode(c.randomValues(3), 0, 2);
        assertThrows(IllegalArgumentException.class, () -> ev.multiplyPlainAndSum(new Ciphertext[] {a}, new Plaintext[] {low}),
                "a plaintext below the ciphertext's level");
    }

    /**
     * Sums of 1,100 products (more than one 63-bit sum holds for a 30-bit prime: 8, so the chunked
     * reductions run many times), beside the Montgomery-form sums of larger primes: still the exact
     * sums of the separate products, residue for residue, for plaintext and for constant factors.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, "logN=10/L=2/P=1/scale=30/insecure"})
    void longSumsOfProductsAreExact(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        int level = 1;
        int terms = 1100;
        Ciphertext[] distinct = new Ciphertext[7];
        Plaintext[] weights = new Plaintext[5];
        for (int k = 0; k < distinct.length; k++) {
            distinct[k] = c.encrypt(c.randomValues(300 + k), level);
        }
        for (int k = 0; k < weights.length; k++) {
            weights[k] = c.encoder.encode(c.randomValues(400 + k), level, c.params.prime(level)).productForm();
        }
        Ciphertext[] xs = new Ciphertext[terms];
        Plaintext[] ps = new Plaintext[terms];
        double[] cs = new double[terms];
        for (int t = 0; t < terms; t++) {
            xs[t] = distinct[t % distinct.length];
            ps[t] = weights[t % weights.length];
            cs[t] = (t % 13) / 6.0 - 1;
        }
        Ciphertext plainRef = ev.multiplyPlain(xs[0], ps[0]);
        Ciphertext constRef = ev.multiplyConst(xs[0], cs[0]);
        for (int t = 1; t < terms; t++) {
            ev.add(plainRef, ev.multiplyPlain(xs[t], ps[t]), plainRef);
            ev.add(constRef, ev.multiplyConst(xs[t], cs[t]), constRef);
        }
        Ciphertext plainSum = ev.multiplyPlainAndSum(xs, ps);
        Ciphertext constSum = ev.multiplyConstAndSum(xs, cs);
        for (int k = 0; k <= 1; k++) {
            assertEquals(plainRef.poly(k), plainSum.poly(k), "plaintext products, polynomial " + k);
            assertEquals(constRef.poly(k), constSum.poly(k), "constant products, polynomial " + k);
        }
    }

    /**
     * All outputs of a linear layer at once equal output-by-output sums bit for bit: sparse and
     * full rows, a repeated input, an empty output, and more terms than one 64-bit accumulator holds
     * for 30-bit primes (8) and for 40-bit primes with split constants (8), so the tiled path's
     * intermediate reductions run; N13's first prime takes the 128-bit path.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL, "logN=10/L=2/P=1/scale=30/insecure"})
    void linearCombinationsEqualSeparateSums(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        int level = c.params.maxLevel();
        int inputs = 24;
        Ciphertext[] xs = new Ciphertext[inputs];
        for (int i = 0; i < inputs; i++) {
            xs[i] = c.encrypt(c.randomValues(300 + i), level);
        }
        java.util.Random rnd = new java.util.Random(7);
        int[][] cols = new int[7][];
        double[][] ws = new double[7][];
        for (int o = 0; o < cols.length; o++) {
            int terms = o == 0 ? inputs : o == 1 ? 0 : o == 2 ? 3 : 1 + rnd.nextInt(inputs);
            cols[o] = new int[terms];
            ws[o] = new double[terms];
            for (int j = 0; j < terms; j++) {
                cols[o][j] = o == 0 ? j : o == 2 ? 5 : rnd.nextInt(inputs);
                ws[o][j] = rnd.nextDouble() * 4 - 2;
            }
        }
        Ciphertext[] all = ev.linearCombinations(xs, cols, ws);
        assertEquals(cols.length, all.length);
        for (int o = 0; o < cols.length; o++) {
            double scale = xs[0].scale() * c.params.prime(level);
            assertEquals(scale, all[o].scale(), 0.0);
            if (cols[o].length == 0) {
                Ciphertext zero = ev.multiplyConst(xs[0], 0);
                assertEquals(zero.poly(0), all[o].poly(0), "an output without terms is zero");
                assertEquals(zero.poly(1), all[o].poly(1), "an output without terms is zero");
                continue;
            }
            Ciphertext[] terms = new Ciphertext[cols[o].length];
            for (int j = 0; j < terms.length; j++) {
                terms[j] = xs[cols[o][j]];
            }
            Ciphertext ref = ev.multiplyConstAndSum(terms, ws[o]);
            for (int k = 0; k <= 1; k++) {
                assertEquals(ref.poly(k), all[o].poly(k), "output " + o + " component " + k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ev.linearCombinations(xs, new int[][] {{0}}, new double[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> ev.linearCombinations(xs, new int[][] {{0, 1}}, new double[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> ev.linearCombinations(xs, new int[][] {{inputs}}, new double[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> ev.linearCombinations(xs, new int[][] {{0}}, new double[][] {{Double.NaN}}));
        Ciphertext other = c.encrypt(c.randomValues(1), level - 1);
        assertThrows(IllegalArgumentException.class,
                () -> ev.linearCombinations(new Ciphertext[] {xs[0], other}, new int[][] {{0, 1}}, new double[][] {{1, 1}}));
    }

    /**
     * Constants rounded at a scale of the caller's choosing (q_(level-1) for the batch mode's two
     * rescales): the same bits as summing multiplyConst at that scale, a scale that multiplies the
     * ciphertexts', and bad scales refused.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, "logN=10/L=2/P=1/scale=30/insecure"})
    void constantSumsAtAChosenScale(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        int level = c.params.maxLevel();
        double constScale = c.params.prime(level - 1);
        Ciphertext[] xs = {c.encrypt(c.randomValues(71), level), c.encrypt(c.randomValues(72), level),
            c.encrypt(c.randomValues(73), level)};
        double[] w = {0.75, -1.5, 0.125};
        Ciphertext ref = ev.multiplyConst(xs[0], w[0]);
        ev.multiplyConst(xs[0], w[0], constScale, ref);
        for (int t = 1; t < xs.length; t++) {
            Ciphertext term = ev.multiplyConst(xs[t], w[t]);
            ev.multiplyConst(xs[t], w[t], constScale, term);
            ev.add(ref, term, ref);
        }
        Ciphertext sum = ev.multiplyConstAndSum(xs, w, constScale);
        Ciphertext[] all = ev.linearCombinations(xs, new int[][] {{0, 1, 2}, {1}}, new double[][] {w, {w[1]}}, constScale);
        for (int k = 0; k <= 1; k++) {
            assertEquals(ref.poly(k), sum.poly(k));
            assertEquals(ref.poly(k), all[0].poly(k));
        }
        assertEquals(xs[0].scale() * constScale, sum.scale(), 0.0);
        assertEquals(xs[0].scale() * constScale, all[1].scale(), 0.0);
        for (double bad : new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> ev.multiplyConstAndSum(xs, w, bad));
            assertThrows(IllegalArgumentException.class, () -> ev.linearCombinations(xs, new int[][] {{0}}, new double[][] {{1}}, bad));
        }
    }

    /**
     * A plaintext's product form keeps its level, scale and values: its rebuilt polynomial equals
     * the original residue for residue (for primes below 2^31, whose rows it shares, and above,
     * which it holds in Montgomery form), and it multiplies to the same bits.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL, "logN=10/L=2/P=1/scale=30/insecure"})
    void productFormIsTheSamePlaintext(String name) {
        CkksContext c = CkksContext.get(name);
        int level = c.params.maxLevel();
        Plaintext p = c.encoder.encode(c.randomValues(9), level, c.params.prime(level));
        Plaintext f = p.productForm();
        assertTrue(f.isProductForm() && !p.isProductForm());
        assertTrue(f.productForm() == f);
        assertEquals(p.level(), f.level());
        assertEquals(p.scale(), f.scale(), 0.0);
        assertEquals(p.poly(), f.poly());
        Ciphertext x = c.encrypt(c.randomValues(10), level);
        assertEquals(c.evaluator.multiplyPlain(x, p).poly(1), c.evaluator.multiplyPlain(x, f).poly(1));
        assertEquals(c.evaluator.multiplyPlainAndSum(new Ciphertext[] {x}, new Plaintext[] {p}).poly(0),
                c.evaluator.multiplyPlainAndSum(new Ciphertext[] {x}, new Plaintext[] {f}).poly(0));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL})
    void depthChainDownToTheLastLevel(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(5);
        double[] expected = x.clone();
        Ciphertext ct = c.encrypt(x, c.params.maxLevel());
        while (ct.level() > 0) {
            ct = ev.rescale(ev.squareRelin(ct));
            for (int i = 0; i < expected.length; i++) {
                expected[i] *= expected[i];
            }
        }
        PrecisionStats s = PrecisionStats.compare(expected, c.decrypt(ct));
        System.out.println(name + " x^(2^" + c.params.maxLevel() + ") through every level: " + s);
        // Each squaring at most doubles the absolute error of values in [-1, 1]: allow 2^L on top of one step's bound.
        assertTrue(s.maxError() < bound(c) * Math.scalb(1.0, c.params.maxLevel()), s.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13, N14, N14_ONE_SPECIAL})
    void intoFormsMayAliasTheirInputs(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(6);
        double[] y = c.randomValues(7);
        int level = c.params.maxLevel();
        Ciphertext a = c.encrypt(x, level);
        Ciphertext b = c.encrypt(y, level);
        double[] add = c.decrypt(ev.add(a, b));
        Ciphertext a2 = a.copy();
        ev.add(a2, b, a2);
        assertClose(c, add, a2, "add into the first operand");
        Ciphertext b2 = b.copy();
        ev.add(a, b2, b2);
        assertClose(c, add, b2, "add into the second operand");
        double[] prod = c.decrypt(ev.rescale(ev.multiplyRelin(a, b)));
        Ciphertext m = a.copy();
        ev.multiplyRelin(m, b, m);
        ev.rescale(m, m);
        assertClose(c, prod, m, "multiplyRelin and rescale in place");
        Ciphertext r = a.copy();
        ev.rotate(r, 3, r);
        double[] rot = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            rot[i] = x[(i + 3) % x.length];
        }
        assertClose(c, rot, r, "rotate in place");
        Ciphertext d = a.copy();
        ev.dropToLevel(d, 1, d);
        assertEquals(1, d.level());
        Ciphertext neg = a.copy();
        ev.negate(neg, neg);
        ev.sub(a, neg, neg);
        double[] twice = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            twice[i] = 2 * x[i];
        }
        // a - (-a) carries a's noise twice: the factor 2 of the bound's rule (it failed 1 run in ~20 at 2^-23.98)
        assertClose(c, twice, neg, "negate then sub in place", 2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {N13})
    void mismatchedOperandsThrowNamingBothSides(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(8);
        Ciphertext top = c.encrypt(x, 3);
        Ciphertext low = c.encrypt(x, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ev.add(top, low));
        assertEquals("add: a is at level 3, b at level 2 (use dropToLevel or rescale to align them)", e.getMessage());
        Ciphertext squared = ev.multiplyRelin(top, top);
        e = assertThrows(IllegalArgumentException.class, () -> ev.add(squared, top));
        assertTrue(e.getMessage().startsWith("add: a has scale 2^72.000000, b has scale 2^36.000000"), e.getMessage());
        Plaintext lowPt = c.encoder.encode(x, 1, c.params.defaultScale());
        e = assertThrows(IllegalArgumentException.class, () -> ev.multiplyPlain(top, lowPt));
        assertTrue(e.getMessage().contains("plaintext is at level 1, below the ciphertext's level 3"), e.getMessage());
        Ciphertext bottom = c.encrypt(x, 0);
        e = assertThrows(IllegalArgumentException.class, () -> ev.rescale(bottom));
        assertTrue(e.getMessage().contains("level 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ev.multiply(bottom, bottom));
        assertTrue(e.getMessage().contains("would not fit level 0"), e.getMessage());
        Evaluator noKeys = new Evaluator(c.params);
        Ciphertext degree2 = ev.multiply(top, top);
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> noKeys.relinearize(degree2));
        assertTrue(s.getMessage().contains("no relinearization key"), s.getMessage());
        s = assertThrows(IllegalStateException.class, () -> noKeys.rotate(top, 5));
        assertTrue(s.getMessage().contains("rotation by 5"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.encoder.encode(new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> c.encoder.encode(new double[c.params.slots() + 1]));
        e = assertThrows(IllegalArgumentException.class,
                () -> c.encoder.encode(new double[] {1e30}, 0, c.params.defaultScale()));
        assertTrue(e.getMessage().startsWith("values too large to encode"), e.getMessage());
    }
}
