package io.github.lola4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Square;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models exported by PyTorch 1.13 (src/test/python/make_models.py; the files are committed):
 * imported, they compute what PyTorch computed, compile, and run encrypted as they do in the clear;
 * an unsupported operator and damaged files are refused with a clear message.
 */
class OnnxModelsTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = OnnxModelsTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " is missing");
            }
            return in.readAllBytes();
        }
    }

    private static Network load(String model) throws IOException {
        return OnnxModels.fromBytes(resource(model + ".onnx"), model + ".onnx", model);
    }

    /** The (input, PyTorch output) pairs written beside a model. */
    private static List<double[][]> pairs(String model) throws IOException {
        String[] lines = new String(resource(model + ".pairs"), StandardCharsets.US_ASCII).split("\n");
        List<double[][]> out = new ArrayList<>();
        for (int i = 0; i + 1 < lines.length; i += 2) {
            out.add(new double[][] {values(lines[i], "input"), values(lines[i + 1], "output")});
        }
        return out;
    }

    private static double[] values(String line, String tag) {
        String[] f = line.trim().split(" ");
        assertEquals(tag, f[0]);
        double[] v = new double[f.length - 1];
        for (int i = 1; i < f.length; i++) {
            v[i - 1] = Double.parseDouble(f[i]);
        }
        return v;
    }

    private static List<Class<?>> kinds(Network n) {
        List<Class<?>> k = new ArrayList<>();
        for (Layer l : n.layers()) {
            k.add(l.getClass());
        }
        return k;
    }

    @Test
    void aPerceptronWithSquaresImportsAsDenseSquareDense() throws IOException {
        Network n = load("mlp_square");
        assertEquals(List.of(Dense.class, Square.class, Dense.class), kinds(n));
        assertEquals(64, n.inputShape().size());
        assertEquals(10, n.outputShape().size());
    }

    @Test
    void aConvolutionalNetworkImportsWithItsPoolingAndThePadDropped() throws IOException {
        Network n = load("cnn_avgpool");
        assertEquals(List.of(Conv2d.class, Square.class, AvgPool.class, Conv2d.class, Square.class, Flatten.class, Dense.class),
                kinds(n));
    }

    @Test
    void batchNormalizationIsFoldedIntoTheLayerBeforeIt() throws IOException {
        assertEquals(List.of(Dense.class, Square.class, Dense.class), kinds(load("mlp_batchnorm")));
    }

    /** Mul by one value per channel, Add, Sub and Div by a value fold into the layers before them. */
    @Test
    void constantsFoldIntoTheLayerBeforeThem() throws IOException {
        assertEquals(List.of(Conv2d.class, Square.class, AvgPool.class, Flatten.class, Dense.class), kinds(load("cnn_constants")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_square", "cnn_avgpool", "mlp_batchnorm", "cnn_constants"})
    void importedNetworksComputeWhatPyTorchComputed(String model) throws IOException {
        Network n = load(model);
        for (double[][] p : pairs(model)) {
            double[] y = n.forward(p[0]);
            assertEquals(p[1].length, y.length);
            for (int k = 0; k < y.length; k++) {
                // PyTorch computed in float32, lola4j in double
                assertEquals(p[1][k], y[k], 1e-5 * Math.max(1, Math.abs(p[1][k])), model + " output " + k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_square", "cnn_avgpool", "mlp_batchnorm", "cnn_constants"})
    void importedNetworksRunEncryptedAsInTheClear(String model) throws IOException {
        Network n = load(model);
        SplittableRandom r = new SplittableRandom(model.length());
        List<double[]> inputs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            double[] x = new double[n.inputShape().size()];
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextDouble();
            }
            inputs.add(x);
        }
        Plan plan = LolaCompiler.compile(n, CompileOptions.lowLatency().withCalibration(inputs));
        ClientPlan client = plan.clientPlan();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(client.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());
        for (double[] x : inputs) {
            double[] plain = n.forward(x);
            double[] enc = client.decryptOutput(plan.evaluate(client.encryptInput(x, sk, rnd), evk), sk);
            for (int k = 0; k < plain.length; k++) {
                assertEquals(plain[k], enc[k], 1e-3 * Math.max(1, Math.abs(plain[k])), model + " output " + k);
            }
        }
    }

    @Test
    void anUnsupportedOperatorIsRefusedByName() throws IOException {
        IOException e = assertThrows(IOException.class, () -> load("unsupported_softplus"));
        assertTrue(e.getMessage().startsWith("unsupported_softplus.onnx: node \"/1/Softplus\" (Softplus, opset 13) is not supported"
                + " for encrypted evaluation; supported: Gemm"), e.getMessage());
    }

    @Test
    void whatIsNotAnOnnxModelIsRefused() {
        IOException e = assertThrows(IOException.class,
                () -> OnnxModels.fromBytes("PK\3\4 a zip file".getBytes(StandardCharsets.US_ASCII), "x.onnx", "x"));
        assertTrue(e.getMessage().startsWith("x.onnx: not an ONNX model"), e.getMessage());
        e = assertThrows(IOException.class, () -> OnnxModels.fromBytes(new byte[0], "empty.onnx", "x"));
        assertTrue(e.getMessage().contains("not an ONNX model (no graph)"), e.getMessage());
    }

    /** Damaged files: refused with an IOException, or read as a valid network; never another exception or a hang. */
    @Test
    void mutatedFilesAreRefusedOrRead() throws IOException {
        for (String model : List.of("mlp_square", "cnn_avgpool")) {
            byte[] good = resource(model + ".onnx");
            SplittableRandom r = new SplittableRandom(20261207);
            int refused = 0;
            for (int i = 0; i < 400; i++) {
                byte[] m = good.clone();
                switch (r.nextInt(3)) {
                    case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
                    default -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
                try {
                    Network n = OnnxModels.fromBytes(m, "mutant", "mutant");
                    n.forward(new double[n.inputShape().size()]);
                } catch (IOException expected) {
                    refused++;
                } catch (RuntimeException other) {
                    throw new AssertionError(model + " mutant " + i + ": " + other, other);
                }
            }
            assertTrue(refused > 0, model + ": no mutant was refused");
        }
    }

    /** Exported and imported again, a network is the same network: layers, weights bit for bit, metadata. */
    @ParameterizedTest
    @ValueSource(strings = {"lola", "lola-small", "mlp_batchnorm", "cnn_constants"})
    void anExportImportsAsTheSameNetwork(String model) throws IOException {
        Network n = model.startsWith("lola") ? io.github.lola4j.models.ModelRegistry.load(model) : load(model);
        Network back = OnnxModels.fromBytes(OnnxModels.toBytes(n), "exported", "ignored");
        assertEquals(n.info(), back.info());
        assertEquals(kinds(n), kinds(back));
        assertEquals(n.inputShape(), back.inputShape());
        assertEquals(java.util.Arrays.toString(io.github.lola4j.nn.ModelFormat.toBytes(n, io.github.lola4j.nn.ModelFormat.WeightEncoding.FLOAT64)),
                java.util.Arrays.toString(io.github.lola4j.nn.ModelFormat.toBytes(back, io.github.lola4j.nn.ModelFormat.WeightEncoding.FLOAT64)),
                "the same model file");
    }

    @Test
    void saveWritesAFileThatLoads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        Network n = load("cnn_avgpool");
        java.nio.file.Path f = dir.resolve("sub/m.onnx");
        OnnxModels.save(n, f);
        assertEquals(n.info(), OnnxModels.load(f).info());
        assertEquals(1, java.nio.file.Files.list(f.getParent()).count(), "no temporary file left");
    }
}
