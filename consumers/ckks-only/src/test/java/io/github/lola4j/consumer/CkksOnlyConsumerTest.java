package io.github.lola4j.consumer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.ParameterPresets;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.testkit.Snippets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A project that depends on {@code lola4j-ckks} alone: README.md's CKKS snippet compiles and runs
 * against it, and its class path holds no other lola4j module and none of the libraries the
 * upper layers use.
 */
class CkksOnlyConsumerTest {

    private static final Path SOURCE =
            Path.of("consumers/ckks-only/src/test/java/io/github/lola4j/consumer/CkksOnlyConsumerTest.java");

    @Test
    void readmeSnippetRunsWithTheCkksModuleAlone() throws Exception {
        CkksParameters p = ParameterPresets.n16384Depth6();
        double[] values = new double[p.slots()];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextDouble(-1, 1);
        }
        // snippet ckks
        CkksParameters params = ParameterPresets.n16384Depth6();   // 128-bit; or CkksParameters.builder()...build()
        SecureRandom rnd = new SecureRandom();
        KeyGenerator keygen = new KeyGenerator(params, rnd);
        SecretKey sk = keygen.secretKey();
        EvaluationKeys evk = keygen.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(1));
        Encoder encoder = new Encoder(params);
        Ciphertext x = new Encryptor(keygen.publicKey(sk), rnd).encrypt(encoder.encode(values));
        Evaluator eval = new Evaluator(params, evk);
        Ciphertext y = eval.rotate(eval.rescale(eval.multiplyRelin(x, x)), 1);
        double[] out = encoder.decode(new Decryptor(sk).decrypt(y));
        // end snippet
        assertEquals(values.length, out.length);
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[(i + 1) % values.length];
            worst = Math.max(worst, Math.abs(out[i] - v * v));
        }
        assertTrue(worst < 1e-4, "slot error " + worst);
        Snippets.assertDocumented(SOURCE, "ckks", Path.of("README.md"));
    }

    @Test
    void nothingAboveTheCkksModuleIsOnTheClassPath() {
        for (String absent : new String[] {"io.github.lola4j.nn.Network", "io.github.lola4j.data.Mnist",
            "io.github.lola4j.models.ModelRegistry", "io.github.lola4j.lola.Plan", "io.github.lola4j.service.PredictionServer",
            "io.github.lola4j.cli.Main", "com.fasterxml.jackson.databind.ObjectMapper", "org.eclipse.jetty.server.Server",
            "org.apache.commons.compress.archivers.tar.TarArchiveInputStream"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent), absent + " is on the class path");
        }
        assertNull(getClass().getResource("/io/github/lola4j/models/lola.model"), "model weights are on the class path");
        // and the check does see what is there: the FFT the encoder uses
        assertEquals("org.jtransforms.fft.DoubleFFT_1D",
                assertDoesNotThrow(() -> Class.forName("org.jtransforms.fft.DoubleFFT_1D")).getName());
    }
}
