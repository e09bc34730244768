package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.GaloisKey;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Networks the shipped models do not cover compile, their plan's twin equals the network, and the
 * encrypted evaluation agrees with it; the simulator's levels, scales and keys are the real ones;
 * networks that cannot fit are refused naming the layer and what is missing.
 */
class CompilerTest {

    private static final SecureRandom RND = new SecureRandom();

    static Network net(Shape in, double weightScale, long seed, Layer... layers) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Dense d) {
                double s = weightScale / Math.sqrt(d.inputs());
                out.add(Dense.of(d.inputs(), d.outputs(), LolaTestSupport.random(r, d.inputs() * d.outputs(), -s, s),
                        LolaTestSupport.random(r, d.outputs(), -0.1, 0.1)));
            } else if (l instanceof Conv2d c) {
                Conv2d.Geometry g = c.geometry();
                double s = weightScale / Math.sqrt(g.inChannels() * g.kernelRows() * g.kernelCols());
                out.add(Conv2d.of(g, LolaTestSupport.random(r, g.weightCount(), -s, s), LolaTestSupport.random(r, g.outChannels(),
                        -0.1, 0.1)));
            } else {
                out.add(l);
            }
        }
        return Network.of(in, out, ModelInfo.untrained("test", "none", 1));
    }

    static List<double[]> inputs(Network net, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> x = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            x.add(LolaTestSupport.random(r, net.inputShape().size(), 0, 1));
        }
        return x;
    }

    static Conv2d conv(int in, int out, int k, int stride, int pt, int pb, int pl, int pr) {
        return Conv2d.zeros(new Conv2d.Geometry(in, out, k, k, stride, stride, pt, pb, pl, pr));
    }

    /** Compiles, checks the twin on every input and the encrypted run on some; returns the plan. */
    static Plan compileAndCheck(Network net, int encrypted) {
        List<double[]> cal = inputs(net, 16, 1);
        return check(LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal)), net, encrypted);
    }

    /** Checks a plan of the network: the twin on every input, the encrypted run on some; returns the plan. */
    static Plan check(Plan plan, Network net, int encrypted) {
        for (double[] x : inputs(net, 8, 2)) {
            double[] want = net.forward(x);
            double[] got = plan.evaluatePlain(x);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-9 * Math.max(1, Math.abs(want[i])), "twin output " + i + " of " + plan);
            }
        }
        if (encrypted > 0) {
            KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
            SecretKey sk = kg.secretKey();
            PublicKey pk = kg.publicKey(sk);
            EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
            for (double[] x : inputs(net, encrypted, 3)) {
                Plan.Trace t = plan.evaluateTrace(plan.clientPlan().encryptInput(x, pk, RND), evk, Parallelism.sequential());
                for (int s = 0; s < plan.steps().size(); s++) {
                    PlanStep st = plan.steps().get(s);
                    for (Ciphertext c : t.steps().get(s).ciphertexts()) {
                        assertEquals(st.end().level(), c.level(), "simulated level after step " + s);
                        assertEquals(st.end().scale(), c.scale(), 0.0, "simulated scale after step " + s);
                    }
                }
                assertEquals(plan.keyRequirements().rotations(), t.usedSteps(), "predicted rotation keys = keys used");
                double[] want = net.forward(x);
                double[] got = plan.clientPlan().decryptOutput(t.output(), sk);
                double max = 0;
                for (double v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-3 * Math.max(1, max), "decrypted output " + i + " of " + plan);
                }
                assertEquals(Tensor.argmax(want), Tensor.argmax(got));
            }
        }
        return plan;
    }

    @Test
    void multilayerPerceptronWithSquareAndPolynomialActivations() {
        Network mlp = net(Shape.of(1, 8, 8), 1.0, 11, Flatten.INSTANCE, Dense.zeros(64, 32), Square.INSTANCE, Dense.zeros(32, 16),
                PolyActivation.of(0.5, 1, 0.1), Dense.zeros(16, 4));
        Plan p = compileAndCheck(mlp, 2);
        assertEquals(5, p.depth());
    }

    @Test
    void scoresBelowOneStillLeaveTheLastProductRoom() {
        // outputs far below 1: the first prime was once one bit above the scale, and the
        // evaluator refused the last multiplication (scale^2 too close to level 1's modulus)
        Network tiny = net(Shape.of(16), 0.05, 21, Dense.zeros(16, 8), Square.INSTANCE, Dense.zeros(8, 3));
        Plan p = compileAndCheck(tiny, 2);
        assertTrue(Math.log(p.parameters().prime(0)) / Math.log(2) > Math.log(p.parameters().defaultScale()) / Math.log(2) + 1.5,
                p.parameters().toString());
    }

    @Test
    void convolutionWithPaddingOnEverySideThenAveragePooling() {
        Network n = net(Shape.of(1, 12, 12), 1.0, 12, conv(1, 4, 3, 1, 1, 1, 1, 1), Square.INSTANCE, AvgPool.of(2, 2, 2, 2),
                Flatten.INSTANCE, Dense.zeros(144, 10));
        Plan p = compileAndCheck(n, 2);
        assertEquals(3, p.depth(), "the pooling is merged into the dense layer or done by rotations: no level of its own");
    }

    @Test
    void twoConvolutions() {
        Network n = net(Shape.of(1, 16, 16), 1.0, 13, conv(1, 3, 3, 1, 1, 1, 1, 1), Square.INSTANCE, conv(3, 4, 3, 2, 0, 1, 0, 1),
                Square.INSTANCE, Flatten.INSTANCE, Dense.zeros(256, 10));
        compileAndCheck(n, 2);
    }

    @Test
    void cifarShapedInput() {
        Network n = net(Shape.of(3, 32, 32), 1.0, 14, conv(3, 8, 4, 2, 1, 1, 1, 1), Square.INSTANCE, Flatten.INSTANCE,
                Dense.zeros(8 * 16 * 16, 10));
        compileAndCheck(n, 1);
    }

    @Test
    void resultsAreBitIdenticalWhateverTheThreadCount() {
        Network n = net(Shape.of(1, 12, 12), 1.0, 19, conv(1, 4, 3, 1, 1, 1, 1, 1), Square.INSTANCE, Flatten.INSTANCE,
                Dense.zeros(576, 10));
        Plan plan = LolaCompiler.compile(n, CompileOptions.lowLatency().withCalibration(inputs(n, 4, 1)));
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
        EncryptedTensor x = plan.clientPlan().encryptInput(inputs(n, 1, 9).get(0), kg.publicKey(sk), RND);
        EncryptedTensor one = plan.evaluate(x, evk, Parallelism.sequential());
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(3);
        try {
            EncryptedTensor three = plan.evaluate(x, evk, Parallelism.of(pool));
            for (int c = 0; c < one.ciphertexts().size(); c++) {
                for (int k = 0; k <= 1; k++) {
                    assertEquals(one.ciphertexts().get(c).poly(k), three.ciphertexts().get(c).poly(k), "ciphertext " + c);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void batchModeEvaluatesOneImagePerSlot() {
        Network mlp = net(Shape.of(12), 1.0, 20, Dense.zeros(12, 8), Square.INSTANCE, Dense.zeros(8, 3));
        Plan plan = LolaCompiler.compile(mlp, CompileOptions.batch().withBatchSize(100)
                .withCalibration(inputs(mlp, 8, 1)).withRingDegrees(8192));
        assertTrue(plan.isBatch());
        assertEquals(100, plan.batchSize());
        assertEquals(new BatchLayout(12, 100, 4096), plan.inputRepresentation());
        assertEquals(0, plan.operations().keySwitchRotations(), "batch mode never rotates");
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
        List<double[]> images = inputs(mlp, 70, 4);
        double[][] scores = plan.clientPlan().decryptBatch(plan.evaluate(plan.clientPlan().encryptBatch(images, kg.publicKey(sk), RND), evk), sk, 70);
        for (int b = 0; b < 70; b++) {
            double[] want = mlp.forward(images.get(b));
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], scores[b][i], 1e-4, "image " + b + " (slot " + b + ") score " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> plan.clientPlan().encryptInput(images.get(0), kg.publicKey(sk), RND));
        assertThrows(IllegalArgumentException.class, () -> plan.clientPlan().encryptBatch(inputs(mlp, 101, 5), kg.publicKey(sk), RND));
    }

    @Test
    void aMaskedOutputRevealsOnlyTheScores() {
        Network mlp = net(Shape.of(64), 1.0, 22, Dense.zeros(64, 32), Square.INSTANCE, Dense.zeros(32, 5));
        CompileOptions o = CompileOptions.lowLatency().withCalibration(inputs(mlp, 8, 1));
        Plan open = LolaCompiler.compile(mlp, o);
        Plan masked = LolaCompiler.compile(mlp, o.withMaskedOutput());
        assertEquals(open.depth() + 1, masked.depth(), "the mask costs one level");
        KeyGenerator kg = new KeyGenerator(masked.parameters(), RND);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, masked.keyRequirements());
        double[] x = inputs(mlp, 1, 2).get(0);
        EncryptedTensor y = masked.evaluate(masked.clientPlan().encryptInput(x, kg.publicKey(sk), RND), evk);
        double[] want = mlp.forward(x);
        double[] got = masked.clientPlan().decryptOutput(y, sk);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-3);
        }
        io.github.lola4j.ckks.Encoder enc = new io.github.lola4j.ckks.Encoder(masked.parameters());
        double[] slots = enc.decode(new io.github.lola4j.ckks.Decryptor(sk).decrypt(y.ciphertexts().get(0)));
        Representation out = masked.outputRepresentation();
        java.util.Set<Integer> scores = new java.util.HashSet<>();
        for (int i = 0; i < out.size(); i++) {
            scores.add(out.slot(i, 0));
        }
        double rest = 0;
        for (int u = 0; u < slots.length; u++) {
            if (!scores.contains(u)) {
                rest = Math.max(rest, Math.abs(slots[u]));
            }
        }
        assertTrue(rest < 1e-3, "every other slot is zero up to the noise: " + rest);
    }

    @Test
    void aMissingRotationKeyIsNamed() {
        Network mlp = net(Shape.of(16), 1.0, 15, Dense.zeros(16, 8), Square.INSTANCE, Dense.zeros(8, 4));
        Plan plan = LolaCompiler.compile(mlp, CompileOptions.lowLatency());
        int missing = plan.keyRequirements().rotations().iterator().next();
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        SecretKey sk = kg.secretKey();
        EvaluationKeys all = kg.evaluationKeys(sk, plan.keyRequirements());
        List<GaloisKey> some = new ArrayList<>(all.galoisKeys().values());
        some.removeIf(k -> k.galoisElement() == plan.parameters().galoisElementForRotation(missing));
        EvaluationKeys partial = new EvaluationKeys(plan.parameters(), all.relinearizationKey(), some);
        EncryptedTensor x = plan.clientPlan().encryptInput(new double[16], kg.publicKey(sk), RND);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plan.evaluate(x, partial));
        assertTrue(e.getMessage().contains("rotation by " + missing), e.getMessage());
        EvaluationKeys noRelin = new EvaluationKeys(plan.parameters(), null, all.galoisKeys().values());
        assertThrows(IllegalStateException.class, () -> plan.evaluate(x, noRelin));
    }

    @Test
    void tooDeepIsRefusedNamingTheLayer() {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            layers.add(Dense.zeros(8, 8));
            layers.add(Square.INSTANCE);
        }
        Network deep = net(Shape.of(8), 0.5, 16, layers.toArray(new Layer[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LolaCompiler.compile(deep, CompileOptions.lowLatency().withRingDegrees(8192)));
        assertTrue(e.getMessage().startsWith("depth:") && e.getMessage().contains("layer"), e.getMessage());
    }

    @Test
    void valuesTooLargeAreRefused() {
        Network huge = net(Shape.of(8), 1e14, 17, Dense.zeros(8, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LolaCompiler.compile(huge, CompileOptions.lowLatency()));
        assertTrue(e.getMessage().startsWith("range:") && e.getMessage().contains("dense 8->4"), e.getMessage());
    }

    @Test
    void inputsThatDoNotFitAreRefused() {
        Network big = net(Shape.of(1, 128, 128), 1.0, 18, Flatten.INSTANCE, Dense.zeros(16384, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LolaCompiler.compile(big,
                CompileOptions.lowLatency().withRingDegrees(8192).withMaxInputCiphertexts(1)));
        assertTrue(e.getMessage().startsWith("slots:") && e.getMessage().contains("dense 16384->2"), e.getMessage());
    }
}
