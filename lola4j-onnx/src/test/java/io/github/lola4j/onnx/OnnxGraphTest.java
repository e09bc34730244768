package io.github.lola4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client-side part of a network: graphs with ReLU, max pooling, branches, Concat and residual
 * Add evaluated in plaintext against PyTorch, split from an encrypted part that runs encrypted as
 * in the clear, and SqueezeNet 1.1 against its published reference outputs.
 */
class OnnxGraphTest {

    private static OnnxGraph graph(String model) throws IOException {
        return OnnxGraph.fromBytes(TestModels.resource(model + ".onnx"), model + ".onnx");
    }

    private static OnnxModels.Split split(String model, String encryptFrom) throws IOException {
        return OnnxModels.split(TestModels.resource(model + ".onnx"), model + ".onnx", model, encryptFrom);
    }

    private static List<Class<?>> kinds(Network n) {
        List<Class<?>> k = new ArrayList<>();
        for (Layer l : n.layers()) {
            k.add(l.getClass());
        }
        return k;
    }

    /** Grouped, dilated and depthwise convolutions, ceil-mode and padded pooling, every activation, Softmax. */
    @ParameterizedTest
    @ValueSource(strings = {"plaintext_ops", "branches", "relu_prefix", "cnn_avgpool", "mlp_batchnorm", "cnn_constants"})
    void wholeGraphsComputeWhatPyTorchComputed(String model) throws IOException {
        OnnxGraph g = graph(model);
        for (double[][] p : TestModels.pairs(model)) {
            TestModels.assertClose(p[1], g.run(p[0]), model);
        }
    }

    @Test
    void aSplitRunsTheReluPartOnTheClientAndThePolynomialPartEncrypted() throws IOException {
        OnnxModels.Split s = split("relu_prefix", "/conv2/Conv");
        assertEquals("/MaxPool_output_0", s.clientPrefix().outputName());
        assertArrayEquals(new int[] {4, 4, 4}, s.clientPrefix().outputDims());
        assertEquals(3, s.clientPrefix().nodeCount());
        Network server = s.encryptedSuffix();
        assertEquals(List.of(Conv2d.class, Square.class, Flatten.class, Dense.class), kinds(server));
        for (double[][] p : TestModels.pairs("relu_prefix")) {
            TestModels.assertClose(p[1], server.forward(s.clientPrefix().run(p[0])), "relu_prefix split");
        }
        TestModels.assertEncryptedAgrees(server, features(s.clientPrefix(), 20, 11), "relu_prefix suffix");
    }

    /** docs/onnx.md's example, as written there. */
    @Test
    void theDocumentedSplitRuns(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path model = dir.resolve("relu_prefix.onnx");
        Files.write(model, TestModels.resource("relu_prefix.onnx"));
        double[] image = TestModels.pairs("relu_prefix").get(0)[0];
        io.github.lola4j.lola.CompileOptions options = io.github.lola4j.lola.CompileOptions.lowLatency();
        // snippet split
        OnnxModels.Split split = OnnxModels.split(model, "/conv2/Conv");
        double[] features = split.clientPrefix().run(image);          // on the client, in plaintext
        Plan plan = LolaCompiler.compile(split.encryptedSuffix(), options);   // on the server
        // end snippet
        assertEquals(64, features.length);
        assertEquals(10, plan.network().outputShape().size());
    }

    /** The prefix's output for random inputs in [0, 1): what a client would encrypt. */
    private static List<double[]> features(OnnxGraph prefix, int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double[] x = new double[prefix.inputSize()];
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextDouble();
            }
            out.add(prefix.run(x));
        }
        return out;
    }

    /** Encrypting from a node or from the value it reads is the same split. */
    @Test
    void branchesWithConcatAndAResidualAddStayOnTheClient() throws IOException {
        OnnxModels.Split byNode = split("branches", "/GlobalAveragePool");
        OnnxModels.Split byValue = split("branches", "/Add_output_0");
        assertEquals(byNode.clientPrefix().outputName(), byValue.clientPrefix().outputName());
        assertEquals(List.of(AvgPool.class, Flatten.class, Dense.class), kinds(byNode.encryptedSuffix()));
        for (double[][] p : TestModels.pairs("branches")) {
            double[] f = byNode.clientPrefix().run(p[0]);
            TestModels.assertClose(p[1], byNode.encryptedSuffix().forward(f), "branches split");
            assertArrayEquals(f, byValue.clientPrefix().run(p[0]));
        }
        TestModels.assertEncryptedAgrees(byNode.encryptedSuffix(), features(byNode.clientPrefix(), 20, 12), "branches suffix");
    }

    @Test
    void aCutThatABranchCrossesIsRefusedByName() {
        // encrypting from the Add leaves the skip convolution reading the client's max-pool output
        IOException e = assertThrows(IOException.class, () -> split("branches", "/Add"));
        assertTrue(e.getMessage().contains("node \"/skip/Conv\"") && e.getMessage().contains("which the client-side part computes"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> split("branches", "/no/such/node"));
        assertTrue(e.getMessage().contains("no value or node is named \"/no/such/node\""), e.getMessage());
    }

    @Test
    void aReluInTheEncryptedPartIsRefusedWithTheWayOut() {
        IOException e = assertThrows(IOException.class, () -> OnnxModels.fromBytes(TestModels.resource("relu_prefix.onnx"),
                "relu_prefix.onnx", "r"));
        assertTrue(e.getMessage().startsWith("relu_prefix.onnx: node \"/Relu\" (Relu, opset 13) is not supported for encrypted"
                + " evaluation") && e.getMessage().contains("encrypt from a node after it"), e.getMessage());
        e = assertThrows(IOException.class, () -> split("relu_prefix", "/MaxPool"));
        assertTrue(e.getMessage().contains("node \"/MaxPool\" (MaxPool"), e.getMessage());
    }

    /** The prefix a server hands a client is an ONNX model that reads back as the same computation. */
    @Test
    void aPrefixIsAnOnnxModelOfItsOwn(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        OnnxGraph prefix = graph("branches").upTo("/Concat");
        assertEquals("/Concat_output_0", prefix.outputName());
        assertArrayEquals(new int[] {16, 4, 4}, prefix.outputDims());
        Path f = dir.resolve("prefix.onnx");
        prefix.save(f);
        OnnxGraph back = OnnxGraph.load(f);
        assertEquals(prefix.nodeCount(), back.nodeCount());
        assertArrayEquals(prefix.outputDims(), back.outputDims());
        assertTrue(Files.size(f) < TestModels.resource("branches.onnx").length, "the skip and head weights are left out");
        for (double[][] p : TestModels.pairs("branches")) {
            assertArrayEquals(prefix.run(p[0]), back.run(p[0]));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> prefix.run(new double[3]));
        assertTrue(e.getMessage().contains("has 3 values, expected 867 ([3, 17, 17])"), e.getMessage());
    }

    /** Damaged files: refused with an IOException, or read as a graph that evaluates; never another exception. */
    @Test
    void mutatedGraphsAreRefusedOrEvaluate() throws IOException {
        for (String model : List.of("branches", "plaintext_ops")) {
            byte[] good = TestModels.resource(model + ".onnx");
            SplittableRandom r = new SplittableRandom(20261208);
            int refused = 0;
            for (int i = 0; i < 300; i++) {
                byte[] m = good.clone();
                switch (r.nextInt(3)) {
                    case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
                    default -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
                try {
                    OnnxGraph g = OnnxGraph.fromBytes(m, "mutant");
                    double[] y = g.run(new double[g.inputSize()]);
                    assertEquals(g.outputSize(), y.length, model + " mutant " + i);
                } catch (IOException expected) {
                    refused++;
                } catch (RuntimeException other) {
                    throw new AssertionError(model + " mutant " + i + ": " + other, other);
                }
            }
            assertTrue(refused > 0, model + ": no mutant was refused");
        }
    }

    private static final Path SQUEEZENET = Path.of("../shared/data/squeezenet1.1");

    /** float32 values of a .npy file (the reference pairs' header is 128 bytes, format 1.0, '<f4', C order). */
    private static double[] npy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        String header = new String(b, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("\u0093NUMPY") && header.contains("'descr': '<f4'"), file + ": " + header);
        ByteBuffer buf = ByteBuffer.wrap(b, 128, b.length - 128).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[(b.length - 128) / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = buf.getFloat();
        }
        return v;
    }

    /**
     * SqueezeNet 1.1 (26 convolutions, 8 Concat, ceil-mode max pooling) against the outputs its
     * publishers computed: within the ONNX backend tests' tolerance, the same class.
     */
    @Test
    void squeezeNetReproducesItsReferenceOutputs() throws IOException {
        OnnxGraph g = OnnxGraph.load(SQUEEZENET.resolve("squeezenet1.1.onnx"));
        assertArrayEquals(new int[] {3, 224, 224}, g.inputDims());
        assertArrayEquals(new int[] {1000}, g.outputDims());
        for (int set = 0; set < 3; set++) {
            double[] in = npy(SQUEEZENET.resolve("test_data_set_" + set + "/input_0.npy"));
            double[] ref = npy(SQUEEZENET.resolve("test_data_set_" + set + "/output_0.npy"));
            double[] y = g.run(in);
            int best = 0;
            for (int k = 0; k < y.length; k++) {
                assertEquals(ref[k], y[k], 1e-7 + 1e-3 * Math.abs(ref[k]), "set " + set + " class " + k);
                best = y[k] > y[best] ? k : best;
            }
            assertEquals(490, best, "set " + set);
        }
        OnnxGraph features = g.upTo("/features/features.12/Concat_output_0");
        assertArrayEquals(new int[] {512, 13, 13}, features.outputDims());
        assertEquals(g.nodeCount() - 4, features.nodeCount(), "all but the classifier's Conv, Relu, pool and Flatten");
    }
}
