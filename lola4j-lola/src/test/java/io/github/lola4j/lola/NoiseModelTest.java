package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The compiler's noise estimate against measured errors: for the shipped MNIST networks in three
 * layouts, the largest |decrypted score - plaintext score| over a few public-key encryptions must
 * stay below the predicted bound, and the bound must not be so loose that it says nothing (within
 * a factor of 100 of the measured error).
 */
class NoiseModelTest {

    private static final SecureRandom RND = new SecureRandom();

    private static void check(String model, CompileOptions base, int images) throws IOException {
        check(model, base, images, Mnist.embeddedSample(), 100);
    }

    private static void check(String model, CompileOptions base, int images, LabeledImages sample, double maxRatio)
            throws IOException {
        Network net = ModelRegistry.load(model);
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < Math.min(100, sample.count()); i++) {
            cal.add(net.input(sample, i));
        }
        Plan plan = LolaCompiler.compile(net, base.withCalibration(cal));
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
        double measured = 0;
        double predicted = 0;
        for (int i = 0; i < images; i++) {
            double[] x = net.input(sample, i);
            double[] plain = net.forward(x);
            double[] got = plan.clientPlan().decryptOutput(plan.evaluate(plan.clientPlan().encryptInput(x, pk, RND), evk), sk);
            for (int k = 0; k < plain.length; k++) {
                measured = Math.max(measured, Math.abs(got[k] - plain[k]));
            }
            predicted = Math.max(predicted, plan.predictedError(x));
        }
        System.out.printf(Locale.ROOT, "noise %-10s %-6s N=%d: measured %.3g, predicted bound %.3g (%.1fx)%n", model,
                plan.clientPlan().inputRepresentation().kind(), plan.parameters().ringDegree(), measured, predicted,
                predicted / measured);
        assertTrue(measured <= predicted, model + ": measured " + measured + " above the predicted " + predicted);
        assertTrue(predicted <= maxRatio * measured, model + ": the bound " + predicted + " says little of " + measured);
    }

    /** The standard deviation of the real parts of decrypted minus expected values over all slots. */
    private static double errorSd(io.github.lola4j.testkit.CkksContext c, double[] expected, io.github.lola4j.ckks.Ciphertext ct) {
        double[] got = c.decrypt(ct);
        double sum = 0;
        for (int i = 0; i < got.length; i++) {
            double e = got[i] - expected[i];
            sum += e * e;
        }
        return Math.sqrt(sum / got.length);
    }

    private static void near(double predicted, double measured, String what) {
        System.out.printf(Locale.ROOT, "noise per operation %-40s measured sd %.3g, predicted %.3g (%.2fx)%n", what, measured,
                predicted, predicted / measured);
        // the average-case model: the standard deviation within a factor of 1.5 either way
        assertTrue(predicted <= 1.5 * measured && measured <= 1.5 * predicted, what + ": measured sd " + measured
                + ", predicted " + predicted);
    }

    /**
     * Each term of the model against the operation it describes, on 4,096 slots of a 128-bit set:
     * a fresh public-key and secret-key encryption, a rescale, and a key switch (a rotation's noise
     * beyond its input's).
     */
    @Test
    void eachOperationsNoiseIsWhatTheModelSays() {
        io.github.lola4j.testkit.CkksContext c = io.github.lola4j.testkit.CkksContext.get("logN=13/L=3/P=1/scale=36");
        NoiseModel m = NoiseModel.of(c.params);
        int top = c.params.maxLevel();
        double scale = c.params.defaultScale();
        double[] x = c.randomValues(3);
        near(Math.sqrt(m.fresh(scale)), errorSd(c, x, c.encrypt(x, top)), "fresh public-key encryption");
        io.github.lola4j.ckks.Ciphertext sk = c.skEncryptor.encrypt(c.encoder.encode(x, top, scale));
        double skSd = errorSd(c, x, sk);
        near(Math.sqrt(m.freshSecretKey(scale)), skSd, "fresh secret-key encryption");
        double[] rotated = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            rotated[i] = x[(i + 1) % x.length];
        }
        for (int level : new int[] {top, 1}) {
            io.github.lola4j.ckks.Ciphertext at = c.skEncryptor.encrypt(c.encoder.encode(x, level, scale));
            double before = errorSd(c, x, at);
            double after = errorSd(c, rotated, c.evaluator.rotate(at, 1));
            near(Math.sqrt(m.keySwitch(level, scale)), Math.sqrt(after * after - before * before), "key switch at level " + level);
        }
        double q = c.params.prime(top);
        io.github.lola4j.ckks.Ciphertext big = c.skEncryptor.encrypt(c.encoder.encode(x, top, scale * q));
        io.github.lola4j.ckks.Ciphertext rescaled = c.evaluator.rescale(big);
        near(Math.sqrt(m.rescale(rescaled.scale())), errorSd(c, x, rescaled), "rescale");
    }

    @Test
    void lolaSmall() throws IOException {
        check("lola-small", CompileOptions.lowLatency(), 4);
    }

    @Test
    void lola() throws IOException {
        check("lola", CompileOptions.lowLatency(), 3);
    }

    /** The CIFAR-10 network: 16,384 diagonals and 158 rotation keys at N = 8192 (slow: 6 GiB, minutes). */
    @org.junit.jupiter.api.Tag("slow")
    @Test
    void lolaCifar() throws IOException {
        check("lola-cifar", CompileOptions.lowLatency(), 3,
                io.github.lola4j.data.Cifar10.loadTestSet(java.nio.file.Path.of("../shared/data/cifar10")), 100);
    }

    @Test
    void lolaDense() throws IOException {
        check("lola", CompileOptions.lowLatency().withInput(InputLayout.DENSE), 2);
    }
}
