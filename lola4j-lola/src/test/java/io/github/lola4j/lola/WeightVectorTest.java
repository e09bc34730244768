package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Plaintext;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a plan keeps of its weights (issue 25: lola-cifar in the default heap of a 24 GiB machine):
 * the dense slot values of lazily built weight vectors only while the compiler's twin runs, the
 * compact form of the diagonals always, and values rebuilt from it to the bit.
 */
class WeightVectorTest {

    private static final int S = LolaTestSupport.SLOTS;
    private final SplittableRandom r = new SplittableRandom(25);

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }

    private static void assertSameEncoding(Plaintext a, Plaintext b) {
        assertEquals(a.level(), b.level());
        assertEquals(a.scale(), b.scale());
        for (int l = 0; l <= a.level(); l++) {
            assertArrayEquals(a.poly().limb(l), b.poly().limb(l), "limb " + l);
        }
    }

    @Test
    void lazyValuesAreCachedUntilReleasedThenRebuiltToTheBitAndNotKept() {
        double[] want = LolaTestSupport.random(r, S, -1, 1);
        AtomicInteger calls = new AtomicInteger();
        WeightVector w = new WeightVector(() -> {
            calls.incrementAndGet();
            return want.clone();
        });
        assertTrue(w.lazy());
        assertFalse(w.holdsValues(), "nothing is computed before it is needed");
        double[] first = w.values();
        assertSame(first, w.values(), "cached while the compiler runs the twin");
        assertEquals(1, calls.get());
        Encoder enc = new Encoder(LolaTestSupport.params());
        double scale = LolaTestSupport.params().defaultScale();
        Plaintext before = enc.encode(first, 3, scale).productForm();

        w.releaseValues();
        assertFalse(w.holdsValues());
        double[] again = w.values();
        assertArrayEquals(bits(want), bits(again));
        assertFalse(w.holdsValues(), "a released vector keeps no values");
        assertSameEncoding(before, w.encodeForProducts(enc, 3, scale));
        assertFalse(w.holdsValues(), "nor does encoding it keep them");
        w.values();
        assertEquals(4, calls.get(), "one computation per use once released");
        w.releaseValues();
        assertArrayEquals(bits(want), bits(w.values()), "release is idempotent");
    }

    @Test
    void valuesGivenAsAnArrayAreTheOnlyCopyAndStay() {
        double[] v = LolaTestSupport.random(r, S, -1, 1);
        WeightVector w = new WeightVector(v);
        assertFalse(w.lazy());
        w.releaseValues();
        assertTrue(w.holdsValues());
        assertSame(v, w.values());
    }

    /** The planning form's values, as the kernel computed them before it kept the compact form. */
    private static double[] scatter(DiagonalKernel.Diagonal d, int slots, int shift) {
        double[] v = new double[slots];
        for (int p = 0; p < d.n; p++) {
            v[Math.floorMod(d.pos[p] + shift, slots)] += d.w[p];
        }
        return v;
    }

    @Test
    void theCompactDiagonalRebuildsThePlanningFormToTheBit() {
        for (int distinct : new int[] {1, 7, 5000}) {
            DiagonalKernel.Diagonal d = new DiagonalKernel.Diagonal();
            double[] weights = LolaTestSupport.random(r, distinct, -1, 1);
            weights[0] = -0.0; // kept apart from +0.0: the values are compared by their bits
            for (int k = 0; k < 3 * S; k++) {
                // repeated slots add up in order, as the kernel's accumulation does
                d.add(r.nextInt(S), k == 1 ? 0.0 : weights[r.nextInt(distinct)]);
            }
            DiagonalKernel.SparseDiagonal c = DiagonalKernel.SparseDiagonal.of(d);
            for (int shift : new int[] {0, 5, -3, S - 1, 3 * S + 2}) {
                assertArrayEquals(bits(scatter(d, S, shift)), bits(c.values(S, shift)), distinct + " distinct, shift " + shift);
            }
        }
    }

    /** Every weight vector of every step of a plan, once each. */
    private static List<WeightVector> weights(Plan plan) {
        Map<WeightVector, Boolean> all = new IdentityHashMap<>();
        for (PlanStep s : plan.steps()) {
            if (s.kernel() == null) {
                continue;
            }
            CountingSlots sim = new CountingSlots(plan.parameters().slots(), LevelChain.of(plan.parameters()));
            List<CountingSlots.Value> in = new ArrayList<>();
            for (int q = 0; q < s.in().ciphertexts(); q++) {
                in.add(new CountingSlots.Value(s.start().level(), s.start().scale(), 1));
            }
            s.kernel().apply(sim, in);
            for (WeightVector w : sim.weights()) {
                all.put(w, Boolean.TRUE);
            }
        }
        return new ArrayList<>(all.keySet());
    }

    private static void assertHoldsNoLazyValues(Plan plan, String what) {
        int lazy = 0;
        for (WeightVector w : weights(plan)) {
            if (w.lazy()) {
                lazy++;
                assertFalse(w.holdsValues(), what + ": a weight vector keeps its dense values");
            }
        }
        assertTrue(lazy > 0, what + ": no lazily built weight vector to check");
    }

    @Test
    void aCompiledOrReadPlanKeepsNoDenseValuesAndItsTwinIsUnchanged() throws Exception {
        Network net = ModelRegistry.load("lola-small");
        Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency());
        assertHoldsNoLazyValues(plan, "compiled");
        double[] x = LolaTestSupport.random(r, net.inputShape().size(), 0, 1);
        double[] twin = plan.evaluatePlain(x);
        assertArrayEquals(bits(twin), bits(plan.evaluatePlain(x)), "the twin rebuilds the values to the bit");
        assertHoldsNoLazyValues(plan, "compiled, after its twin");

        ByteArrayOutputStream b = new ByteArrayOutputStream();
        plan.write(b);
        Plan read = Plan.read(new ByteArrayInputStream(b.toByteArray()));
        read.prepare();
        assertHoldsNoLazyValues(read, "read and prepared");
        assertArrayEquals(bits(twin), bits(read.evaluatePlain(x)), "a plan from its file has the same twin");
    }
}
