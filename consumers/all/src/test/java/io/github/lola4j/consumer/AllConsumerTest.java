package io.github.lola4j.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.CalibrationInputs;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.Snippets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/**
 * A project that depends on the aggregate artifact {@code lola4j}: README.md's encrypted-inference
 * snippet compiles and runs against it and predicts what the plaintext network predicts.
 */
class AllConsumerTest {

    private static final Path SOURCE = Path.of("consumers/all/src/test/java/io/github/lola4j/consumer/AllConsumerTest.java");

    @Test
    void readmeInferenceSnippetRunsWithTheAggregate() throws Exception {
        LabeledImages sample = Mnist.embeddedSample();
        byte[] raw = sample.rawImage(0);
        double[] pixels = new double[raw.length]; // 0..255, as a decoded image file gives them
        for (int k = 0; k < pixels.length; k++) {
            pixels[k] = raw[k] & 0xff;
        }
        SecureRandom rnd = new SecureRandom();
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            // snippet inference
            Network net = ModelRegistry.load("lola");                 // or Network.load(Path.of("my.model"))
            Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CalibrationInputs.of(net).inputs()));
            System.out.println(plan.report());                         // before any key exists
            ClientPlan client = plan.clientPlan();                     // the client's half: no weights
            KeyGenerator kg = new KeyGenerator(client.parameters(), rnd);
            SecretKey sk = kg.secretKey();
            EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());
            double[] image = client.normalization().apply(pixels, client.inputShape(), InputNormalization.BYTE_PIXELS); // 0..255
            EncryptedTensor x = client.encryptInput(image, kg.publicKey(sk), rnd);
            EncryptedTensor y = plan.evaluate(x, evk, Parallelism.of(pool));   // server: never sees sk
            double[] scores = client.decryptOutput(y, sk);
            // end snippet
            assertArrayEquals(net.input(sample, 0), image); // the data set's path, bit for bit
            assertEquals("100 calibration inputs", plan.compileInfo().calibration());
            double[] plain = net.forward(image);
            assertEquals(plain.length, scores.length);
            double worst = 0;
            for (int i = 0; i < plain.length; i++) {
                worst = Math.max(worst, Math.abs(scores[i] - plain[i]));
            }
            assertTrue(worst < 0.05, "score error " + worst);
            assertEquals(Tensor.argmax(plain), Tensor.argmax(scores));
        } finally {
            pool.shutdown();
        }
        Snippets.assertDocumented(SOURCE, "inference", Path.of("README.md"));
    }
}
