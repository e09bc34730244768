package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Cifar10;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Encrypted CIFAR-10 with the shipped lola-cifar model: colour input standardised per channel,
 * the convolution representation (192 taps, each over the ciphertexts the first convolution's
 * 16,268 outputs take: 768 at N = 8192), the second convolution and the dense layer on the server; the encrypted predictions must equal the plaintext ones. Compiled as
 * the CLI compiles it (ranges calibrated on the first 100 test images), evaluated on three others.
 * Slow: about two minutes of compilation and keys, 2-4 s per image, about 5.5 GiB.
 */
class CifarEndToEndTest {

    @Test
    @Tag("slow")
    void lolaCifarAgreesOnThreeImages() throws Exception {
        LabeledImages test = Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        Network net = ModelRegistry.load("lola-cifar");
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            cal.add(net.input(test, i));
        }
        Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal));
        assertEquals(128, plan.report().securityBits());
        int outCts = (16268 + plan.parameters().slots() - 1) / plan.parameters().slots();
        assertEquals(192 * outCts, plan.inputRepresentation().ciphertexts(), "the convolution representation, one per tap");
        // infer and demo run client and server in one JVM: that must fit the default heap of a 24 GiB
        // machine (a quarter of it, 5.89 GiB) beside the compiled plan (227 MiB) and some room to collect.
        assertTrue(plan.runMemoryBytes(2) < (long) (5.4 * (1L << 30)), "run memory " + plan.runMemoryBytes(2));
        assertTrue(plan.memoryEstimate(2).evaluationKeys() < 300L << 20, "keys made for their levels: " + plan.memoryEstimate(2));
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(plan.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            Parallelism par = Parallelism.of(pool);
            for (int i = 0; i < 3; i++) {
                double[] x = net.input(test, 100 + i);
                double[] plain = net.forward(x);
                double[] scores = plan.clientPlan().decryptOutput(plan.evaluate(plan.clientPlan().encryptInput(x, pk, rnd), evk, par), sk);
                double worst = 0;
                for (int k = 0; k < plain.length; k++) {
                    worst = Math.max(worst, Math.abs(plain[k] - scores[k]));
                }
                // N = 8192 at scale 2^27: errors of a few 1e-3 (measured up to 0.0047 over 1,000 images),
                // within the noise model's 6-sigma prediction for the image
                double bound = plan.predictedError(x);
                assertTrue(worst <= bound, "image " + (100 + i) + ": largest score error " + worst + ", predicted " + bound);
                assertEquals(Tensor.argmax(plain), Tensor.argmax(scores), "image " + (100 + i));
            }
        } finally {
            pool.shutdown();
        }
    }
}
