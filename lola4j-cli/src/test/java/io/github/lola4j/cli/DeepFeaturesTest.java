package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Caltech101;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledFeatures;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deep-features row: the client's extractor (CalTech-101 preprocessing, SqueezeNet 1.1, pooling)
 * reproduces PyTorch's features, and the shipped private head runs encrypted as it does in the
 * clear: on 50 test images here, on all 1,010 with its recorded accuracy in the slow profile.
 */
class DeepFeaturesTest {

    private static final Path DATA = Path.of("../shared/data");
    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    /** PyTorch's unit-length pooled features of four test images (src/test/python/caltech101_features.py). */
    @Test
    void theClientSideExtractorReproducesPyTorch(@TempDir Path home) throws IOException {
        DeepFeatures deep = DeepFeatures.open(DATA, k -> null, home, false, QUIET);
        List<String> lines;
        try (InputStream in = DeepFeaturesTest.class.getResourceAsStream("caltech101-features-pytorch.txt")) {
            lines = List.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"));
        }
        assertEquals(4, lines.size());
        for (String line : lines) {
            String[] f = line.split(" ");
            double[] mine = deep.extractor().extract(Caltech101.normalize(deep.data().image(
                    new Caltech101.Entry(Caltech101.IMAGES + "/" + f[0], 0))));
            assertEquals(512, mine.length);
            double worst = 0;
            for (int k = 0; k < 512; k++) {
                worst = Math.max(worst, Math.abs(mine[k] - Double.parseDouble(f[k + 1])));
            }
            // PyTorch computed in float32, lola4j in double
            assertTrue(worst < 1e-5, f[0] + ": largest difference " + worst);
        }
    }

    @Test
    void aMissingOrForeignExtractorIsRefused(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("caltech101"));
        Files.createSymbolicLink(dir.resolve("caltech101/101_ObjectCategories"),
                DATA.resolve("caltech101/101_ObjectCategories").toAbsolutePath());
        IOException e = assertThrows(IOException.class, () -> DeepFeatures.open(dir, k -> null, dir, false, QUIET));
        assertTrue(e.getMessage().contains("SqueezeNet 1.1 (squeezenet1.1/squeezenet1.1.onnx) was not found"), e.getMessage());
        Files.createDirectories(dir.resolve("squeezenet1.1"));
        Files.write(dir.resolve("squeezenet1.1/squeezenet1.1.onnx"), new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> DeepFeatures.open(dir, k -> null, dir, false, QUIET));
        assertTrue(e.getMessage().contains("squeezenet1.1.onnx: SHA-256") && e.getMessage().contains("damaged or another model"),
                e.getMessage());
    }

    /** Without SqueezeNet, nothing is downloaded: the refusal comes before CalTech-101's 138 MB archive. */
    @Test
    void withoutTheExtractorNothingIsDownloaded(@TempDir Path home) {
        IOException e = assertThrows(IOException.class, () -> DeepFeatures.open(null, k -> null, home, true, QUIET));
        assertTrue(e.getMessage().contains("SqueezeNet 1.1 (squeezenet1.1/squeezenet1.1.onnx) was not found"), e.getMessage());
        assertFalse(Files.exists(home.resolve(".cache/lola4j/caltech101")), "no CalTech-101 download started");
    }

    /**
     * The shipped head on the first 50 test images' features, encrypted: every prediction equals the
     * plaintext one (calibrated on 20 training images' features, as infer calibrates on training features).
     */
    @Test
    void theShippedHeadRunsEncryptedAsInTheClear(@TempDir Path home) throws IOException {
        Network head = ModelRegistry.load("caltech101-head");
        assertEquals(512, head.inputShape().size());
        assertEquals(101, head.outputShape().size());
        DeepFeatures deep = DeepFeatures.open(DATA, k -> null, home, false, QUIET);
        LabeledFeatures test = deep.compute(Caltech101.Part.TEST, 50, 2, QUIET);
        LabeledFeatures train = deep.compute(Caltech101.Part.TRAIN, 20, 2, QUIET);
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < train.count(); i++) {
            cal.add(train.features(i));
        }
        Plan plan = LolaCompiler.compile(head, CompileOptions.lowLatency().withCalibration(cal));
        ClientPlan client = plan.clientPlan();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(client.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());
        int right = 0;
        for (int i = 0; i < test.count(); i++) {
            double[] plain = head.forward(test.features(i));
            double[] enc = client.decryptOutput(plan.evaluate(client.encryptInput(test.features(i), sk, rnd), evk), sk);
            assertEquals(Tensor.argmax(plain), Tensor.argmax(enc), "test image " + i);
            for (int k = 0; k < plain.length; k++) {
                assertEquals(plain[k], enc[k], 1e-3, "test image " + i + " class " + k);
            }
            right += Tensor.argmax(plain) == test.label(i) ? 1 : 0;
        }
        // the first 50 test images are accordion, airplanes, anchor, ant and barrel, 10 each; the
        // shipped head (77.13 % on all 1,010) gets 36 of them right, encrypted and in the clear
        assertEquals(36, right);
    }

    /**
     * All 1,010 test images through infer, as a user runs it (features from the cache, computed there
     * on the first run: about 15 minutes on 2 cores): every encrypted prediction equals the plaintext
     * one and the accuracy is the one the shipped model records.
     */
    @Test
    @Tag("slow")
    void inferOnTheWholeTestSet() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "caltech101-head", "--count", "1010", "--data",
                DATA.toString(), "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.lastLine());
        System.out.println("caltech101-head: " + r.lastLine());
        assertEquals(1.0, j.get("agreement").asDouble(), 0.0, r.lastLine());
        assertEquals(ModelRegistry.load("caltech101-head").info().testAccuracy(), j.get("accuracy").asDouble(), 1e-9);
        assertEquals(128, j.get("security_bits").asInt());
    }
}
