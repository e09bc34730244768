package io.github.lola4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.GraphNetwork;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        return TestModels.resource(name);
    }

    private static Network load(String model) throws IOException {
        return OnnxModels.fromBytes(resource(model + ".onnx"), model + ".onnx", model);
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

    /** The residual Add is a graph node; each BatchNormalization folds into its convolution, the skip read twice. */
    @Test
    void aResidualBlockImportsAsAGraphWithAnAdd() throws IOException {
        GraphNetwork g = OnnxModels.graphFromBytes(resource("residual_block.onnx"), "residual_block.onnx", "residual_block");
        List<String> ops = new ArrayList<>();
        for (GraphNetwork.Node n : g.nodes()) {
            ops.add(n.op() == GraphNetwork.Op.LAYER ? n.layer().kind() : n.op().name());
        }
        assertEquals(List.of("INPUT", "conv2d", "square", "conv2d", "square", "conv2d", "ADD", "avgpool", "flatten", "dense"), ops);
        GraphNetwork.Node add = g.nodes().get(6);
        assertEquals(List.of(2, 5), add.inputs(), "the Add sums the first square (the skip) and the block's last convolution");
        for (double[][] p : TestModels.pairs("residual_block")) {
            TestModels.assertClose(p[1], g.forward(p[0]), "graph");
        }
    }

    /** Concat joins the branches' channels; the BatchNormalization after it has no layer to fold into: an affine layer. */
    @Test
    void twoBranchesJoinedByConcatImportAsAGraph() throws IOException {
        GraphNetwork g = OnnxModels.graphFromBytes(resource("concat_branches.onnx"), "concat_branches.onnx", "c");
        List<String> ops = new ArrayList<>();
        for (GraphNetwork.Node n : g.nodes()) {
            ops.add(n.op() == GraphNetwork.Op.LAYER ? n.layer().kind() : n.op().name());
        }
        assertEquals(List.of("INPUT", "conv2d", "square", "conv2d", "CONCAT", "affine", "avgpool", "square", "flatten", "dense"),
                ops);
        assertEquals(Shape.of(5, 8, 8), g.nodes().get(4).shape());
    }

    private static List<String> ops(GraphNetwork g) {
        List<String> ops = new ArrayList<>();
        for (GraphNetwork.Node n : g.nodes()) {
            ops.add(n.op() == GraphNetwork.Op.LAYER ? n.layer().kind() : n.op().name() + n.inputs());
        }
        return ops;
    }

    /** A graph exported and imported again has the same nodes and computes the same values, bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"residual_block", "concat_branches"})
    void anExportedGraphImportsAsTheSameGraph(String model) throws IOException {
        GraphNetwork g = OnnxModels.graphFromBytes(resource(model + ".onnx"), model + ".onnx", model);
        GraphNetwork back = OnnxModels.graphFromBytes(OnnxModels.toBytes(g), "exported", "ignored");
        assertEquals(ops(g), ops(back));
        for (double[][] p : TestModels.pairs(model)) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(g.forward(p[0]), back.forward(p[0]), 0.0);
        }
    }

    /**
     * A lowered graph (general affine layers) exports with each affine map written out as Reshape,
     * MatMul, Add and Reshape, and imports back computing the same values (to rounding: a dense
     * layer sums in another order).
     */
    @Test
    void aLoweredGraphExportsAndImportsBackComputingTheSameValues() throws IOException {
        for (String model : List.of("residual_block", "reindex")) {
            Network lowered = load(model);
            assertTrue(kinds(lowered).contains(io.github.lola4j.nn.Affine.class), model);
            Network back = OnnxModels.fromBytes(OnnxModels.toBytes(lowered), "exported", "ignored");
            GraphNetwork graph = OnnxModels.graphFromBytes(resource(model + ".onnx"), model, model);
            GraphNetwork graphBack = OnnxModels.graphFromBytes(OnnxModels.toBytes(graph), "exported", "ignored");
            for (double[][] p : TestModels.pairs(model)) {
                TestModels.assertClose(lowered.forward(p[0]), back.forward(p[0]), model + " lowered, re-imported");
                TestModels.assertClose(graph.forward(p[0]), graphBack.forward(p[0]), model + " graph, re-imported");
            }
        }
    }

    /** A zero Pad before a convolution becomes the convolution's padding; before a pooling or a square, an affine layer. */
    @Test
    void zeroPaddingFoldsIntoTheConvolutionAfterIt() throws IOException {
        Network n = load("zero_padding");
        assertEquals(List.of(Conv2d.class, io.github.lola4j.nn.Affine.class, AvgPool.class, io.github.lola4j.nn.Affine.class,
                Square.class, Flatten.class, Dense.class), kinds(n));
        Conv2d.Geometry g = ((Conv2d) n.layers().get(0)).geometry();
        assertEquals(List.of(0, 1, 1, 2), List.of(g.padTop(), g.padBottom(), g.padLeft(), g.padRight()));
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

    /** 0.125 x x + 0.5 x - 0.25, as PyTorch writes it (Mul, Mul, Mul, Add, Sub), is one polynomial activation. */
    @Test
    void aQuadraticWrittenOutImportsAsOnePolynomialActivation() throws IOException {
        Network n = load("mlp_poly");
        assertEquals(List.of(Dense.class, io.github.lola4j.nn.PolyActivation.class, Dense.class), kinds(n));
        io.github.lola4j.nn.PolyActivation p = (io.github.lola4j.nn.PolyActivation) n.layers().get(1);
        assertEquals(0.125, p.a(), 1e-12);
        assertEquals(0.5, p.b(), 1e-12);
        assertEquals(-0.25, p.c(), 1e-7);
        IOException e = assertThrows(IOException.class, () -> load("unsupported_cube"));
        assertTrue(e.getMessage().contains("(Mul, opset 13) makes a polynomial of degree 3 or more"), e.getMessage());
    }

    /** A network with a polynomial activation, exported as Mul and Add nodes, imports back as the same network. */
    @Test
    void aPolynomialActivationRoundTrips() throws IOException {
        Network n = Network.of(io.github.lola4j.nn.Shape.of(5), List.of(
                Dense.of(new double[][] {{1, 2, 3, 4, 5}, {-1, 0.5, 0, 2, 1}, {0.25, 0.25, 0.25, 0.25, 0.25}}, new double[] {0.1, 0, -0.2}),
                io.github.lola4j.nn.PolyActivation.of(0.5, -1.25, 0.75),
                Dense.of(new double[][] {{1, -1, 2}, {0, 3, 1}}, new double[] {0, 1})),
                io.github.lola4j.nn.ModelInfo.untrained("poly", "synthetic", 1.0));
        Network back = OnnxModels.fromBytes(OnnxModels.toBytes(n), "exported", "ignored");
        assertEquals(kinds(n), kinds(back));
        assertEquals(java.util.Arrays.toString(io.github.lola4j.nn.ModelFormat.toBytes(n, io.github.lola4j.nn.ModelFormat.WeightEncoding.FLOAT64)),
                java.util.Arrays.toString(io.github.lola4j.nn.ModelFormat.toBytes(back, io.github.lola4j.nn.ModelFormat.WeightEncoding.FLOAT64)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_square", "cnn_avgpool", "mlp_batchnorm", "cnn_constants", "mlp_poly", "residual_block",
        "concat_branches", "grouped_conv", "reindex",
        "zero_padding"})
    void importedNetworksComputeWhatPyTorchComputed(String model) throws IOException {
        Network n = load(model);
        for (double[][] p : TestModels.pairs(model)) {
            TestModels.assertClose(p[1], n.forward(p[0]), model);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_square", "cnn_avgpool", "mlp_batchnorm", "cnn_constants", "mlp_poly", "residual_block",
        "concat_branches", "grouped_conv", "reindex",
        "zero_padding"})
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
        TestModels.assertEncryptedAgrees(n, inputs, model);
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
        for (String model : List.of("mlp_square", "cnn_avgpool", "residual_block")) {
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
