package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every kernel and conversion three ways on random tensors: its plaintext twin against the plain
 * affine map (and so the nn layer, see {@link AffineMapTest}), the encrypted run against the twin,
 * and the simulator's levels, scales and rotation keys against the encrypted run.
 */
class KernelTest {

    private static final int S = LolaTestSupport.SLOTS;
    private final SplittableRandom r = new SplittableRandom(42);

    private static final double TWIN = 1e-10;

    private AffineMap dense(int in, int out) {
        Dense d = Dense.of(in, out, LolaTestSupport.random(r, in * out, -0.2, 0.2), LolaTestSupport.random(r, out, -0.5, 0.5));
        return AffineMap.of(d, Shape.of(in));
    }

    private double[] values(int n) {
        return LolaTestSupport.random(r, n, -1, 1);
    }

    @Test
    void convolutionWithWeightVectorsOnTheClientsLayout() {
        Conv2d conv = AffineMapTest.conv(2, 3, 3, 1, 1, 1, 1, 1);
        Shape in = Shape.of(2, 6, 6);
        AffineMap m = AffineMap.of(conv, in);
        for (int partials : new int[] {1, 2, 8}) {
            GatherKernel k = GatherKernel.plan("conv", m, S, partials);
            assertEquals(Math.max(1, (18 + partials - 1) / partials), k.input().ciphertexts(), "taps per partial");
            assertEquals(new StackedLayout(108, 128, 8, S), k.output(), "stacked with period 128, 8 copies");
            double[] x = values(in.size());
            LolaTestSupport.check(LolaTestSupport.run(k, x), m.apply(x), TWIN, 1e-4);
        }
    }

    @Test
    void convolutionWithScalarWeightsThenVectorize() {
        Conv2d conv = AffineMapTest.conv(1, 4, 5, 2, 0, 1, 0, 1);
        Shape in = Shape.of(1, 12, 12);
        ScalarConvolutionKernel k = ScalarConvolutionKernel.plan("conv", conv, in, S);
        assertEquals(25, k.input().ciphertexts());
        assertEquals(4, k.output().ciphertexts());
        double[] x = values(in.size());
        double[] want = AffineMap.of(conv, in).apply(x);
        LolaTestSupport.Run run = LolaTestSupport.run(k, x);
        LolaTestSupport.check(run, want, TWIN, 1e-4);
        assertEquals(100, run.counts().total(OpCounts.Op.CONST_PRODUCT), "maps x taps constant products");
        VectorizeKernel v = VectorizeKernel.plan(k.output(), 1, 0);
        assertNotNull(v);
        assertEquals(new DenseLayout(100, S), v.output());
        LolaTestSupport.Run vr = LolaTestSupport.run(v, want);
        LolaTestSupport.check(vr, want, TWIN, 1e-4);
        assertEquals(3, vr.counts().total(OpCounts.Op.ROTATION), "one rotation per map after the first");
    }

    @Test
    void diagonalProductOnEveryInputLayoutAndPlacement() {
        AffineMap m = dense(100, 30);
        int[] perm = new int[100];
        int[] zero = new int[100];
        for (int i = 0; i < 100; i++) {
            perm[i] = (i * 37 + 11) % S;
        }
        Representation[] inputs = {
            new DenseLayout(100, S),
            new StackedLayout(100, 128, 8, S),
            new InterleavedLayout("scattered", 1, S, zero, perm, Representation.Fill.GARBAGE),
        };
        Placement[] outs = {Placement.stacked(30, 32, S), Placement.blocked(30, 4, S), Placement.compact(30, 32, 4, S),
            Placement.compact(30, 32, 1, S), Placement.dense(30, S)};
        for (Representation in : inputs) {
            for (Placement p : outs) {
                DiagonalKernel k = DiagonalKernel.plan("dense", m, in, 1, 0, p, 0.5, 0, 4096);
                double[] x = values(100);
                LolaTestSupport.check(LolaTestSupport.run(k, x), m.apply(x), TWIN, 1e-4);
            }
        }
    }

    @Test
    void diagonalDiagonalCountsReachTheStructuredOptimum() {
        AffineMap m = dense(100, 30);
        Representation stacked = new StackedLayout(100, 128, 8, S);
        // Period-128 input, period-32 output: 32 diagonals; 8 blocks of 4 rows: 4 diagonals.
        assertEquals(32, DiagonalKernel.plan("d", m, stacked, 1, 0, Placement.stacked(30, 32, S), 0.5, 0, 4096).diagonals());
        assertEquals(4, DiagonalKernel.plan("d", m, stacked, 1, 0, Placement.blocked(30, 8, S), 0.5, 0, 4096).diagonals());
        assertNull(DiagonalKernel.plan("d", m, new DenseLayout(100, S), 1, 0, Placement.dense(30, S), 0.5, 0, 10),
                "more diagonals than the limit gives up");
    }

    @Test
    void columnMajorOnASparseInputNeedsNoRotation() {
        AffineMap m = dense(20, 30);
        DiagonalKernel k = DiagonalKernel.plan("dense", m, new SparseLayout(20, S), 1, 0, Placement.dense(30, S), 0.5, 0,
                4096);
        assertEquals("column-major", k.kind());
        double[] x = values(20);
        LolaTestSupport.Run run = LolaTestSupport.run(k, x);
        LolaTestSupport.check(run, m.apply(x), TWIN, 1e-4);
        assertEquals(0, run.counts().keySwitchRotations());
        assertEquals(20, run.counts().total(OpCounts.Op.PLAIN_PRODUCT));
    }

    @Test
    void severalInputAndOutputCiphertexts() {
        AffineMap wide = dense(1500, 40);
        DiagonalKernel k = DiagonalKernel.plan("wide", wide, new DenseLayout(1500, S), 1, 0, Placement.blocked(40, 4, S),
                0.5, 0, 4096);
        double[] x = values(1500);
        LolaTestSupport.check(LolaTestSupport.run(k, x), wide.apply(x), TWIN, 1e-3);
        AffineMap tall = dense(60, 1500);
        DiagonalKernel t = DiagonalKernel.plan("tall", tall, new StackedLayout(60, 64, 16, S), 1, 0,
                Placement.dense(1500, S), 0.5, 0, 4096);
        assertEquals(2, t.output().ciphertexts());
        double[] y = values(60);
        LolaTestSupport.check(LolaTestSupport.run(t, y), tall.apply(y), TWIN, 1e-4);
    }

    @Test
    void rowMajorGivesASparseOutput() {
        AffineMap m = dense(100, 6);
        RowMajorKernel k = RowMajorKernel.plan("dense", m, new DenseLayout(100, S), 1, 0);
        assertEquals(new SparseLayout(6, S), k.output());
        double[] x = values(100);
        LolaTestSupport.Run run = LolaTestSupport.run(k, x);
        LolaTestSupport.check(run, m.apply(x), TWIN, 1e-4);
        assertEquals(6 * 10, run.counts().total(OpCounts.Op.ROTATION), "log2 S rotations per output");
    }

    @Test
    void loLasStackedPackedDenseInterleaveChain() {
        AffineMap m = dense(100, 30);
        double[] x = values(100);
        ReplicateKernel rep = ReplicateKernel.plan(new DenseLayout(100, S), 1, 0, 8);
        assertNotNull(rep);
        LolaTestSupport.Run rr = LolaTestSupport.run(rep, x);
        LolaTestSupport.check(rr, x, TWIN, 1e-4);
        assertEquals(3, rr.counts().total(OpCounts.Op.ROTATION));
        PackedDenseKernel packed = PackedDenseKernel.plan("dense", m, rep.output(), 1, 0);
        assertNotNull(packed);
        assertEquals(4, packed.output().ciphertexts(), "ceil(30 / 8) messages");
        double[] y = m.apply(x);
        LolaTestSupport.Run pr = LolaTestSupport.run(packed, x);
        LolaTestSupport.check(pr, y, TWIN, 1e-4);
        assertEquals(4 * 7, pr.counts().total(OpCounts.Op.ROTATION), "a window sum over 128 per message");
        Kernel inter = KernelFactory.build(Choice.of(Choice.INTERLEAVE, 0), null, packed.output(), 1, 0, S, 1.0);
        assertNotNull(inter);
        assertEquals(1, inter.output().ciphertexts());
        assertEquals(Representation.Fill.ZERO, inter.output().fill(), "masked: zeros outside the elements");
        LolaTestSupport.Run ir = LolaTestSupport.run(inter, y);
        LolaTestSupport.check(ir, y, TWIN, 1e-4);
        assertEquals(3, ir.counts().keySwitchRotations(), "one rotation per message after the first");
        AffineMap m2 = dense(30, 10);
        RowMajorKernel last = RowMajorKernel.plan("dense", m2, inter.output(), 1, 0);
        LolaTestSupport.check(LolaTestSupport.run(last, y), m2.apply(y), TWIN, 1e-4);
    }

    @Test
    void sumPoolingByRotationsUsesNoLevel() {
        Shape in = Shape.of(2, 8, 8);
        AvgPool pool = AvgPool.of(2, 2, 2, 2);
        SumPoolKernel k = SumPoolKernel.plan(pool, in, new DenseLayout(128, S), 1, 0);
        assertNotNull(k);
        double[] x = values(128);
        LolaTestSupport.Run run = LolaTestSupport.run(k, x);
        LolaTestSupport.check(run, AffineMap.of(pool, in).apply(x), TWIN, 1e-4);
        assertEquals(LolaTestSupport.params().maxLevel(), run.cipherLevel(), "no level used");
        assertEquals(0.25, k.outAlpha(), 0, "the mean's 1/4 stays pending");
        int[] perm = new int[128];
        int[] zero = new int[128];
        for (int i = 0; i < 128; i++) {
            perm[i] = i;
        }
        perm[0] = 1;
        perm[1] = 0;
        assertNull(SumPoolKernel.plan(pool, in, new InterleavedLayout("p", 1, S, zero, perm, Representation.Fill.ZERO),
                1, 0), "windows at irregular offsets");
    }

    @Test
    void activationsFoldPendingFactors() {
        Representation in = new DenseLayout(50, S);
        double[] x = values(50);
        ActivationKernel sq = new ActivationKernel("square", in, 1, 0, 1, 0, 0);
        double[] want = new double[50];
        for (int i = 0; i < 50; i++) {
            want[i] = x[i] * x[i];
        }
        LolaTestSupport.check(LolaTestSupport.run(sq, x), want, TWIN, 1e-5);
        // Input pending 1.5 v - 0.5, polynomial 0.7 X^2 + 0.3 X - 0.1.
        ActivationKernel poly = new ActivationKernel("poly", in, 1.5, -0.5, 0.7, 0.3, -0.1);
        for (int i = 0; i < 50; i++) {
            want[i] = 0.7 * x[i] * x[i] + 0.3 * x[i] - 0.1;
        }
        LolaTestSupport.Run run = LolaTestSupport.run(poly, x);
        LolaTestSupport.check(run, want, TWIN, 1e-4);
        assertEquals(1, run.counts().total(OpCounts.Op.CIPHER_PRODUCT), "one product for any quadratic");
        assertEquals(Representation.Fill.ZERO, poly.output().fill(), "zeros stay zero: x (x + B/A) = 0");
    }

    @Test
    void batchLinearComputesEveryImageAtOnce() {
        AffineMap m = dense(20, 6);
        BatchLayout in = new BatchLayout(20, 50, S);
        BatchLinearKernel k = new BatchLinearKernel("dense", m, in, 1, 0);
        double[][] images = new double[50][];
        double[] all = new double[20 * 50];
        double[] want = new double[6 * 50];
        for (int b = 0; b < 50; b++) {
            images[b] = values(20);
            System.arraycopy(images[b], 0, all, b * 20, 20);
            System.arraycopy(m.apply(images[b]), 0, want, b * 6, 6);
        }
        LolaTestSupport.Run run = LolaTestSupport.run(k, all);
        LolaTestSupport.check(run, want, TWIN, 1e-4);
        assertEquals(0, run.counts().keySwitchRotations());
        assertEquals(120, run.counts().total(OpCounts.Op.CONST_PRODUCT));
        assertTrue(run.counts().total(OpCounts.Op.RESCALE) == 6);
    }

    /**
     * Batch mode: squares left at degree 2 and unrescaled, then relinearized and rescaled twice by
     * the next linear layer, one key switch per output instead of one per feature; the result
     * equals the network's, with the error of the usual order (rescaling degree-2 ciphertexts
     * instead was measured 100 times worse), the simulator counts exactly that, and the
     * ciphertexts have the degrees, levels and scales it says.
     */
    @Test
    void batchSquaresAreRelinearizedByTheNextLayer() {
        int features = 12;
        int images = 30;
        AffineMap m = dense(features, 5);
        BatchLayout in = new BatchLayout(features, images, S);
        ActivationKernel sq = new ActivationKernel("square", in, 1, 0, 1, 0, 0, true);
        BatchLinearKernel lin = new BatchLinearKernel("dense", m, in, sq.outAlpha(), sq.outBeta(), true);
        ActivationKernel usual = new ActivationKernel("square", in, 1, 0, 1, 0, 0);
        BatchLinearKernel usualLin = new BatchLinearKernel("dense", m, in, usual.outAlpha(), usual.outBeta());
        double[] x = values(features * images);
        double[] want = new double[5 * images];
        for (int b = 0; b < images; b++) {
            double[] f = new double[features];
            for (int j = 0; j < features; j++) {
                f[j] = x[b * features + j] * x[b * features + j];
            }
            System.arraycopy(m.apply(f), 0, want, b * 5, 5);
        }
        io.github.lola4j.ckks.CkksParameters p = LolaTestSupport.params();
        LevelChain chain = LevelChain.of(p);
        int top = p.maxLevel();
        double[][] slots = in.pack(x);
        CountingSlots sim = new CountingSlots(p.slots(), chain);
        java.util.List<CountingSlots.Value> sv = new java.util.ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            sv.add(new CountingSlots.Value(top, p.defaultScale()));
        }
        java.util.List<CountingSlots.Value> mid = sq.apply(sim, sv);
        assertEquals(2, mid.get(0).degree());
        assertEquals(top, mid.get(0).level(), "not rescaled");
        CountingSlots.Value simOut = lin.apply(sim, mid).get(0);
        assertEquals(1, simOut.degree());
        assertEquals(top - 2, simOut.level());
        assertEquals(features, sim.counts().total(OpCounts.Op.TENSOR_PRODUCT));
        assertEquals(0, sim.counts().total(OpCounts.Op.CIPHER_PRODUCT));
        assertEquals(5, sim.counts().total(OpCounts.Op.RELINEARIZATION), "one key switch per output");
        assertEquals(features * 5, sim.counts().total(OpCounts.Op.DEGREE2_CONST_PRODUCT));
        assertEquals(10, sim.counts().total(OpCounts.Op.RESCALE), "two per output, none per feature");
        assertTrue(sim.needsRelinearization());
        // The same scale as a square and a layer with one rescale each.
        CountingSlots usualSim = new CountingSlots(p.slots(), chain);
        CountingSlots.Value usualOut = usualLin.apply(usualSim, usual.apply(usualSim, sv)).get(0);
        assertEquals(usualOut.level(), simOut.level());
        assertEquals(usualOut.scale(), simOut.scale(), usualOut.scale() * 1e-12);

        java.security.SecureRandom rnd = new java.security.SecureRandom();
        io.github.lola4j.ckks.KeyGenerator kg = new io.github.lola4j.ckks.KeyGenerator(p, rnd);
        io.github.lola4j.ckks.SecretKey sk = kg.secretKey();
        io.github.lola4j.ckks.Encoder enc = new io.github.lola4j.ckks.Encoder(p);
        CipherSlots cs = new CipherSlots(p, kg.evaluationKeys(sk, io.github.lola4j.ckks.KeyRequirements.relinearization()), enc,
                io.github.lola4j.ring.Parallelism.sequential());
        io.github.lola4j.ckks.Encryptor e = new io.github.lola4j.ckks.Encryptor(sk, rnd);
        java.util.List<io.github.lola4j.ckks.Ciphertext> cin = new java.util.ArrayList<>();
        for (double[] s : slots) {
            cin.add(e.encrypt(enc.encode(s, top, p.defaultScale())));
        }
        java.util.List<io.github.lola4j.ckks.Ciphertext> cmid = sq.apply(cs, cin);
        assertEquals(2, cmid.get(0).degree(), "the squares stay unrelinearized");
        java.util.List<io.github.lola4j.ckks.Ciphertext> cout = lin.apply(cs, cmid);
        java.util.List<io.github.lola4j.ckks.Ciphertext> usualCout = usualLin.apply(cs, usual.apply(cs, cin));
        io.github.lola4j.ckks.Decryptor d = new io.github.lola4j.ckks.Decryptor(sk);
        double[][] ds = new double[cout.size()][];
        double[][] us = new double[cout.size()][];
        for (int i = 0; i < ds.length; i++) {
            assertEquals(1, cout.get(i).degree(), "output " + i + " relinearized");
            assertEquals(simOut.scale(), cout.get(i).scale(), 0.0);
            ds[i] = enc.decode(d.decrypt(cout.get(i)));
            us[i] = enc.decode(d.decrypt(usualCout.get(i)));
        }
        double[] got = lin.output().unpack(ds);
        double[] gotUsual = usualLin.output().unpack(us);
        PlainSlots twin = new PlainSlots(p.slots(), chain);
        java.util.List<PlainSlots.Value> pin = new java.util.ArrayList<>();
        for (double[] s : slots) {
            pin.add(twin.fresh(s, top, p.defaultScale()));
        }
        java.util.List<PlainSlots.Value> pout = lin.apply(twin, sq.apply(twin, pin));
        double[][] ps = new double[pout.size()][];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = pout.get(i).v();
        }
        double[] plain = lin.output().unpack(ps);
        double worst = 0;
        double worstUsual = 0;
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], plain[i], 1e-9, "twin " + i);
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            worstUsual = Math.max(worstUsual, Math.abs(want[i] - gotUsual[i]));
        }
        assertTrue(worst < 1e-4, "largest error " + worst);
        assertTrue(worst < 4 * worstUsual + 1e-7, "largest error " + worst + ", relinearized at once " + worstUsual);
    }
}
