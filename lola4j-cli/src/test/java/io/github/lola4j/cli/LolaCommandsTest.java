package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lola4j.lola.CostModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted-inference commands: plan, infer, demo, calibrate, and their JSON. */
class LolaCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** export writes a shipped model as ONNX, import reads it back into a model file: the same model. */
    @Test
    void exportThenImportGivesTheSameModel() throws Exception {
        Path onnx = tmp.resolve("lola-small.onnx");
        CliTestSupport.Run r = CliTestSupport.run("export", "--model", "lola-small", "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote") && r.out().contains("lola-small"), r.out());
        Path model = tmp.resolve("back.model");
        r = CliTestSupport.run("import", "--model", onnx.toString(), "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        io.github.lola4j.nn.Network original = io.github.lola4j.models.ModelRegistry.load("lola-small");
        io.github.lola4j.nn.Network back = io.github.lola4j.nn.Network.load(model);
        assertEquals(original.info(), back.info());
        assertTrue(java.util.Arrays.equals(java.nio.file.Files.readAllBytes(model),
                io.github.lola4j.nn.ModelFormat.toBytes(original, io.github.lola4j.nn.ModelFormat.WeightEncoding.lossless(original))),
                "the model file is byte for byte the shipped model's, in the envelope");
        assertEquals(2, CliTestSupport.run("import", "--model", "lola-small", "--out", model.toString()).code());
    }

    /**
     * docs/onnx.md's walkthrough: a network trained in PyTorch on MNIST ([0, 1] inputs, 97.29 % by
     * PyTorch's own count), and one with a residual block (97.30 %), imported with its pixel scale
     * and data set give PyTorch's accuracy in eval and run encrypted as in the clear.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"mnist_square, 0.9729", "mnist_residual, 0.9730"})
    void aPyTorchMnistModelImportedWithItsScaleRunsAsTrained(String name, double pytorchAccuracy, @TempDir Path tmp)
            throws Exception {
        String onnx = "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/" + name + ".onnx";
        Path model = tmp.resolve(name + ".model");
        CliTestSupport.Run r = CliTestSupport.run("import", "--model", onnx, "--pixel-scale", "0.00392156862745098", "--dataset",
                "mnist", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        r = CliTestSupport.run("eval", "--model", model.toString(), "--data", CliTestSupport.MNIST, "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(pytorchAccuracy, JSON.readTree(r.lastLine()).get("accuracy").asDouble(), 1e-9);
        r = CliTestSupport.run("infer", "--model", model.toString(), "--count", "5", "--data", CliTestSupport.MNIST, "--warmup",
                "1", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1.0, JSON.readTree(r.lastLine()).get("agreement").asDouble(), 0.0);
        // the .onnx file directly, its input scale and data set given on the command line
        r = CliTestSupport.run("eval", "--model", onnx, "--pixel-scale", "0.00392156862745098", "--dataset", "mnist", "--data",
                CliTestSupport.MNIST, "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(pytorchAccuracy, JSON.readTree(r.lastLine()).get("accuracy").asDouble(), 1e-9);
        assertEquals(2, CliTestSupport.run("import", "--model", onnx, "--pixel-scale", "0", "--out", model.toString()).code());
        assertEquals(2, CliTestSupport.run("import", "--model", onnx, "--dataset", "imagenet", "--out", model.toString()).code());
    }

    /**
     * A PyTorch MNIST network with ReLU and max pooling in front (96.64 % by PyTorch's count):
     * split, its client part and encrypted part give PyTorch's accuracy on the 10,000 test images
     * in plaintext (in Java and through eval), and infer runs the client part on each image and the rest encrypted, as in the clear.
     */
    @Test
    void inferRunsASplitModelWithTheClientPartOnEachImage() throws Exception {
        String onnx = "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/mnist_relu_prefix.onnx";
        io.github.lola4j.onnx.OnnxModels.Split split = io.github.lola4j.onnx.OnnxModels.split(Path.of(onnx), "/3/Conv");
        io.github.lola4j.nn.LabeledImages test = io.github.lola4j.data.Mnist.loadTestSet(Path.of(CliTestSupport.MNIST),
                io.github.lola4j.data.Dataset.MNIST);
        int right = 0;
        for (int i = 0; i < test.count(); i++) {
            double[] scores = split.encryptedSuffix().forward(split.clientPrefix().run(test.image(i, 1 / 255.0)));
            right += io.github.lola4j.nn.Tensor.argmax(scores) == test.label(i) ? 1 : 0;
        }
        assertEquals(9664, right);
        CliTestSupport.Run e = CliTestSupport.run("eval", "--model", onnx, "--encrypt-from", "/3/Conv", "--dataset", "mnist",
                "--pixel-scale", "0.00392156862745098", "--data", CliTestSupport.MNIST, "--json");
        assertEquals(0, e.code(), e.err());
        assertEquals(0.9664, JSON.readTree(e.lastLine()).get("accuracy").asDouble(), 1e-9, "eval runs the client's part, then the rest");
        assertEquals(2, CliTestSupport.run("eval", "--model", "lola-small", "--pixel-scale", "0.5", "--data",
                CliTestSupport.MNIST).code(), "eval: --pixel-scale without --encrypt-from");
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", onnx, "--encrypt-from", "/3/Conv", "--dataset", "mnist",
                "--pixel-scale", "0.00392156862745098", "--count", "10", "--data", CliTestSupport.MNIST, "--warmup", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        assertEquals(1.0, j.get("agreement").asDouble(), 0.0, r.lastLine());
        assertEquals(j.get("plaintext_accuracy").asDouble(), j.get("accuracy").asDouble(), 0.0);
        assertEquals(2, CliTestSupport.run("infer", "--model", onnx, "--encrypt-from", "/3/Conv", "--count", "1", "--data",
                CliTestSupport.MNIST).code(), "no --dataset");
        assertEquals(2, CliTestSupport.run("infer", "--model", "lola-small", "--pixel-scale", "0.5", "--count", "1", "--data",
                CliTestSupport.MNIST).code(), "--pixel-scale without --encrypt-from");
    }

    /** --model takes an ONNX file exported by PyTorch (one of lola4j-onnx's test models). */
    @Test
    void planTakesAnOnnxModel() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/cnn_avgpool.onnx",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        assertEquals("cnn_avgpool", j.get("model").asText());
        assertEquals("1x8x8", j.get("input_shape").asText());
        assertEquals(10, j.get("outputs").asInt());
        assertEquals(128, j.get("security_bits").asInt());
        CliTestSupport.Run bad = CliTestSupport.run("plan", "--model",
                "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/unsupported_softplus.onnx");
        assertEquals(3, bad.code(), bad.out());
        assertTrue(bad.err().contains("node \"/1/Softplus\" (Softplus, opset 13) is not supported"), bad.err());
    }

    /**
     * --encrypt-from splits an ONNX model with ReLU and max pooling: the polynomial part is
     * planned and imported, the client's part written as an ONNX model that computes what the
     * original computed before the cut.
     */
    @Test
    void encryptFromSplitsAModelAndKeepsTheClientPart(@TempDir Path tmp) throws Exception {
        String onnx = "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/relu_prefix.onnx";
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", onnx, "--encrypt-from", "/conv2/Conv", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        assertEquals("4x4x4", j.get("input_shape").asText());
        assertEquals(10, j.get("outputs").asInt());
        assertTrue(r.err().contains("client    3 nodes in plaintext, input [1, 8, 8] -> /MaxPool_output_0 [4, 4, 4]"), r.err());

        Path model = tmp.resolve("server.model");
        Path client = tmp.resolve("client.onnx");
        r = CliTestSupport.run("import", "--model", onnx, "--encrypt-from", "/conv2/Conv", "--out", model.toString(),
                "--client-part", client.toString());
        assertEquals(0, r.code(), r.err());
        io.github.lola4j.onnx.OnnxModels.Split split = io.github.lola4j.onnx.OnnxModels.split(Path.of(onnx), "/conv2/Conv");
        io.github.lola4j.onnx.OnnxGraph prefix = io.github.lola4j.onnx.OnnxGraph.load(client);
        double[] x = new double[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37 % 64) / 64.0;
        }
        assertArrayEquals(split.clientPrefix().run(x), prefix.run(x));
        assertArrayEquals(split.encryptedSuffix().forward(prefix.run(x)), io.github.lola4j.nn.Network.load(model).forward(prefix.run(x)));

        assertEquals(2, CliTestSupport.run("import", "--model", onnx, "--encrypt-from", "/conv2/Conv", "--out",
                model.toString()).code(), "the client part would be lost");
        CliTestSupport.Run bad = CliTestSupport.run("plan", "--model", onnx);
        assertEquals(3, bad.code());
        assertTrue(bad.err().contains("encrypt from a node after it"), bad.err());
        bad = CliTestSupport.run("plan", "--model", "lola", "--encrypt-from", "x");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--encrypt-from splits an .onnx model"), bad.err());
    }

    @Test
    void planPrintsTheReportAndItsJson() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", "lola", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("rotation steps"), r.out());
        assertTrue(r.out().contains("128-bit security"), r.out());
        JsonNode j = JSON.readTree(r.lastLine());
        assertEquals("lola", j.get("model").asText());
        assertEquals(8192, j.get("ring_degree").asInt());
        assertEquals(128, j.get("security_bits").asInt());
        assertEquals(5, j.get("depth").asInt());
        assertEquals(j.get("rotation_steps").size(), j.get("rotation_steps").size());
        assertTrue(j.get("evaluation_key_bytes").asLong() > 1_000_000);
        assertTrue(j.get("predicted_seconds").asDouble() > 0);
        assertEquals(j.get("steps").size(), 5);
        assertTrue(j.get("steps").get(0).get("kernel").asText().startsWith("convolution"));
    }

    @Test
    void inferAgreesWithThePlaintextNetworkAndReportsItsFigures() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "lola-small", "--count", "3", "--offset", "10", "--data",
                CliTestSupport.MNIST, "--threads", "2", "--warmup", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        for (String f : new String[] {"model", "count", "accuracy", "agreement", "max_abs_error", "latency_median_s", "latency_p90_s",
            "latency_single_thread_median_s", "encrypt_s", "decrypt_s", "evaluation_key_bytes", "input_ciphertext_bytes",
            "output_ciphertext_bytes", "rotations", "ring_degree", "security_bits", "heap_live_peak_bytes"}) {
            assertTrue(j.has(f), "field " + f + " in " + r.lastLine());
        }
        assertEquals("lola-small", j.get("model").asText());
        assertEquals(3, j.get("count").asInt());
        assertEquals(1.0, j.get("agreement").asDouble(), 0.0);
        assertTrue(j.get("max_abs_error").asDouble() < 1e-3);
        // the noise model's figure (lola-small: about 1e-6) bounds the errors, so no image is listed above it
        double bound = j.get("predicted_error").asDouble();
        assertTrue(bound > 0 && j.get("max_abs_error").asDouble() <= bound, r.lastLine());
        assertTrue(j.get("calibration_margin").asDouble() > bound, r.lastLine());
        assertEquals(0, j.get("above_predicted_error").size(), r.lastLine());
        assertEquals(0, j.get("above_own_predicted_error").asInt(), r.lastLine());
        assertTrue(j.get("latency_median_s").asDouble() > 0 && j.get("latency_single_thread_median_s").asDouble() > 0);
        assertTrue(j.get("latency_cold_s").asDouble() > 0, r.lastLine());
        // three timed evaluations: their mean lies between the smallest and the largest, near the median
        double mean = j.get("latency_mean_s").asDouble();
        assertTrue(mean > 0 && j.get("latency_stddev_s").asDouble() >= 0 && mean <= 3 * j.get("latency_median_s").asDouble(),
                r.lastLine());
        assertEquals(2, j.get("warmup").asInt());
        assertEquals(128, j.get("security_bits").asInt());
        long live = j.get("heap_live_peak_bytes").asLong();
        assertTrue(live > 1_000_000 && live <= Runtime.getRuntime().maxMemory(), r.lastLine());
        assertTrue(j.get("input_ciphertext_bytes").asLong() > j.get("output_ciphertext_bytes").asLong());
        assertTrue(r.out().contains("agreement 3 / 3"), r.out());
    }

    @Test
    void inferWithTheSecretKeyHalvesTheUpload() throws Exception {
        CliTestSupport.Run pk = CliTestSupport.run("infer", "--model", "lola-small", "--count", "1", "--data", CliTestSupport.MNIST,
                "--threads", "1", "--warmup", "0", "--json");
        CliTestSupport.Run sk = CliTestSupport.run("infer", "--model", "lola-small", "--count", "1", "--data", CliTestSupport.MNIST,
                "--threads", "1", "--warmup", "0", "--json", "--symmetric");
        assertEquals(0, sk.code(), sk.err());
        long full = JSON.readTree(pk.lastLine()).get("input_ciphertext_bytes").asLong();
        long seeded = JSON.readTree(sk.lastLine()).get("input_ciphertext_bytes").asLong();
        assertTrue(seeded < 0.55 * full, seeded + " vs " + full);
        assertEquals(1.0, JSON.readTree(sk.lastLine()).get("agreement").asDouble(), 0.0);
    }

    @Test
    void inferInBatchModeSplitsTheImagesOverEvaluations() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "lola-small", "--batch-size", "4", "--count", "6", "--offset",
                "20", "--data", CliTestSupport.MNIST, "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        assertTrue(j.get("batch").asBoolean(), r.lastLine());
        assertEquals(4, j.get("batch_size").asInt());
        assertEquals(2, j.get("evaluations").asInt(), "4 + 2 images");
        assertEquals(6, j.get("count").asInt());
        assertEquals(1.0, j.get("agreement").asDouble(), 0.0);
        assertTrue(j.get("max_abs_error").asDouble() < 1e-3, r.lastLine());
        assertTrue(j.get("images_per_second").asDouble() > 0 && j.get("batch_seconds").asDouble() > 0, r.lastLine());
        assertTrue(j.get("latency_single_thread_median_s").isNull(), "not measured in batch mode");
        assertEquals(0, j.get("rotations").asInt(), "the batch representation needs no rotation");
        assertEquals(1, j.get("warmup").asInt(), "one untimed batch by default");
        assertTrue(j.get("latency_cold_s").asDouble() > 0, r.lastLine());
        assertTrue(r.out().contains("images/s"), r.out());
    }

    @Test
    void planShowsTheDenseInput() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", "lola-small", "--input", "dense", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.lastLine());
        assertTrue(r.out().contains("input 1 ciphertext"), r.out());
        assertEquals(1, j.get("input_ciphertexts").asInt(), "LoLa-Dense: the image in one ciphertext");
        assertEquals(2, CliTestSupport.run("plan", "--input", "dense", "--batch").code());
        assertEquals(2, CliTestSupport.run("plan", "--input", "sparse").code());
        assertEquals(2, CliTestSupport.run("plan", "--batch-size", "0").code());
    }

    @Test
    void demoRunsEndToEnd() {
        CliTestSupport.Run r = CliTestSupport.run("demo", "--model", "lola-small", "--count", "2", "--data", CliTestSupport.MNIST);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 / 2 encrypted predictions equal the plaintext network's"), r.out());
        assertTrue(r.out().contains("evaluation keys"), r.out());
        assertTrue(r.out().contains("once compiled the server takes"), r.out());
        // a split model: the client's part (ReLU, max pooling) on each image, the rest encrypted
        CliTestSupport.Run split = CliTestSupport.run("demo", "--model",
                "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/mnist_relu_prefix.onnx", "--encrypt-from", "/3/Conv",
                "--dataset", "mnist", "--pixel-scale", "0.00392156862745098", "--count", "2", "--data", CliTestSupport.MNIST);
        assertEquals(0, split.code(), split.err());
        assertTrue(split.out().contains("2 / 2 encrypted predictions equal the plaintext network's"), split.out());
        assertTrue(split.out().contains("through the client's part"), split.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, CliTestSupport.run("infer", "--count", "0").code());
        assertEquals(2, CliTestSupport.run("infer", "--warmup", "-1").code());
        assertEquals(2, CliTestSupport.run("plan", "--ring-degree", "8000").code());
        assertEquals(2, CliTestSupport.run("plan", "--frobnicate").code());
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "lola-small", "--offset", "9999", "--count", "5", "--data",
                CliTestSupport.MNIST);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("goes past"), r.err());
    }

    @Test
    void calibrateWritesATableTheCompilerReads() throws Exception {
        Path f = tmp.resolve("costs.tsv");
        java.util.function.DoubleSupplier real = MachineLoad.loadAverage;
        CliTestSupport.Run r;
        try {
            // the test JVM itself loads the machine: the refusal is tested below with a load it is told
            MachineLoad.loadAverage = () -> 0.25;
            r = CliTestSupport.run("calibrate", "--ring-degree", "1024", "--out", f.toString());
            assertTrue(r.out().contains("machine   load average 0.25 on "), r.out());
            Path busy = tmp.resolve("busy.tsv");
            MachineLoad.loadAverage = () -> MachineLoad.cores() + 1.5;
            CliTestSupport.Run refused = CliTestSupport.run("calibrate", "--ring-degree", "1024", "--out", busy.toString());
            assertEquals(1, refused.code(), refused.err());
            assertTrue(refused.err().contains("lola4j calibrate: not written: the machine was busy (load average "
                    + String.format(java.util.Locale.ROOT, "%.2f", MachineLoad.cores() + 1.5)) && refused.err().contains("--force"),
                    refused.err());
            assertTrue(Files.notExists(busy), "a refused table is not written");
            CliTestSupport.Run forced = CliTestSupport.run("calibrate", "--ring-degree", "1024", "--out", busy.toString(), "--force");
            assertEquals(0, forced.code(), forced.err());
            assertTrue(Files.isRegularFile(busy) && forced.err().contains("written anyway (--force)"), forced.err());
        } finally {
            MachineLoad.loadAverage = real;
        }
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(f));
        CostModel m = CostModel.read(f);
        assertEquals(1024, m.ringDegrees()[0]);
        assertTrue(m.seconds(io.github.lola4j.lola.OpCounts.Op.ROTATION, 1024, 1) > 0);
        // N = 1024 allows two limbs: too few for the least-squares curves, and calibrate says so
        assertTrue(r.out().contains("least-squares curves") && r.out().contains("at least four limb counts"), r.out());
    }
}
