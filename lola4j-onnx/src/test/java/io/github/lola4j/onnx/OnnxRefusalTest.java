package io.github.lola4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.nn.Network;
import io.github.lola4j.onnx.proto.Onnx.AttributeProto;
import io.github.lola4j.onnx.proto.Onnx.GraphProto;
import io.github.lola4j.onnx.proto.Onnx.ModelProto;
import io.github.lola4j.onnx.proto.Onnx.NodeProto;
import io.github.lola4j.onnx.proto.Onnx.OperatorSetIdProto;
import io.github.lola4j.onnx.proto.Onnx.TensorProto;
import io.github.lola4j.onnx.proto.Onnx.TensorShapeProto;
import io.github.lola4j.onnx.proto.Onnx.TypeProto;
import io.github.lola4j.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What the importer refuses, each on a graph built here around the one defect (the supported
 * paths are tested on real PyTorch exports in {@link OnnxModelsTest}).
 */
class OnnxRefusalTest {

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    private static TensorProto tensor(String name, long[] dims, float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    private static NodeProto node(String name, String op, String out, String... in) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        return n.build();
    }

    private static byte[] model(int opset, GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
                .setGraph(g).build().toByteArray();
    }

    /** x (1 x 2) -> Gemm with a 2 x 2 identity, then the given nodes. */
    private static GraphProto.Builder gemmThen(String last, NodeProto... more) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(value("x", 1, 2))
                .addInitializer(tensor("w", new long[] {2, 2}, 1, 0, 0, 1))
                .addNode(NodeProto.newBuilder(node("gemm", "Gemm", "y", "x", "w"))
                        .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)));
        for (NodeProto n : more) {
            g.addNode(n);
        }
        return g.addOutput(value(last, 1, 2));
    }

    private static String refusal(byte[] bytes) {
        return assertThrows(IOException.class, () -> OnnxModels.fromBytes(bytes, "t.onnx", "t")).getMessage();
    }

    @Test
    void theBuilderMakesAGraphThatImports() throws IOException {
        Network n = OnnxModels.fromBytes(model(13, gemmThen("y")), "t.onnx", "t");
        assertEquals(2.5, n.forward(new double[] {1.5, 2.5})[1], 0.0);
    }

    @Test
    void opsetsOutsideTheRangeAreRefused() {
        assertEquals("t.onnx: opset 8, lola4j imports opsets 9 to 21", refusal(model(8, gemmThen("y"))));
        assertEquals("t.onnx: opset 22, lola4j imports opsets 9 to 21", refusal(model(22, gemmThen("y"))));
    }

    @Test
    void aProductOfTwoComputedValuesIsRefusedByName() {
        String m = refusal(model(13, gemmThen("z", node("mix", "Mul", "z", "x", "y"))));
        assertTrue(m.startsWith("t.onnx: node \"mix\" (Mul, opset 13) combines two computed values, x and y;"), m);
    }

    /** A branch that starts with a square of a value computed before (here the input), joined by Concat. */
    @Test
    void aBranchMayStartWithASquare() throws IOException {
        GraphProto.Builder g = gemmThen("z", node("sq", "Mul", "s", "x", "x"), NodeProto.newBuilder(node("cat", "Concat", "z", "y", "s"))
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).build());
        g.setOutput(0, value("z", 1, 4));
        Network n = OnnxModels.fromBytes(model(13, g), "t.onnx", "t");
        assertArrayEquals(new double[] {1.5, 2.5, 2.25, 6.25}, n.forward(new double[] {1.5, 2.5}), 1e-12);
    }

    @Test
    void aNodeReadingAnUnknownValueIsRefusedByName() {
        // "late" reads q, which no node computes
        GraphProto.Builder g = gemmThen("z", node("sq", "Mul", "s", "y", "y"), node("gemm2", "Gemm", "h", "s", "w"),
                node("late", "Gemm", "z", "q", "w"));
        String m = refusal(model(13, g));
        assertTrue(m.startsWith("t.onnx: node \"late\" (Gemm, opset 13) does not take the previous node's output h"), m);
    }

    /**
     * After a square, one constant joins the polynomial (x^2 + 0.5 is one activation); a constant
     * per output has no linear layer to fold into and becomes an affine layer of its own.
     */
    @Test
    void aConstantAfterANonLinearLayerJoinsThePolynomialOrBecomesAnAffineLayer() throws IOException {
        GraphProto.Builder g = gemmThen("z", node("sq", "Mul", "s", "y", "y"), node("shift", "Add", "z", "s", "c"))
                .addInitializer(tensor("c", new long[] {1}, 0.5f));
        Network n = OnnxModels.fromBytes(model(13, g), "t.onnx", "t");
        assertEquals(io.github.lola4j.nn.PolyActivation.class, n.layers().get(1).getClass());
        assertEquals(1.5 * 1.5 + 0.5, n.forward(new double[] {1.5, 2.5})[0], 1e-12);
        GraphProto.Builder perOutput = gemmThen("z", node("sq", "Mul", "s", "y", "y"), node("shift", "Add", "z", "s", "c"))
                .addInitializer(tensor("c", new long[] {2}, 0.5f, 1f));
        Network affine = OnnxModels.fromBytes(model(13, perOutput), "t.onnx", "t");
        assertEquals(io.github.lola4j.nn.Affine.class, affine.layers().get(2).getClass());
        assertArrayEquals(new double[] {1.5 * 1.5 + 0.5, 2.5 * 2.5 + 1}, affine.forward(new double[] {1.5, 2.5}), 1e-12);
    }

    @Test
    void aConstantPerPositionIsNotTakenForOnePerChannel() {
        // two outputs, and a constant of shape 2 x 1 (one per row of a column, not per output)
        GraphProto.Builder g = gemmThen("z", node("scale", "Mul", "z", "y", "c"))
                .addInitializer(tensor("c", new long[] {2, 1}, 2, 3));
        String m = refusal(model(13, g));
        assertTrue(m.contains("node \"scale\" (Mul, opset 13) has a constant of shape [2, 1]"), m);
        // the same values as a per-output vector fold
        GraphProto.Builder ok = gemmThen("z", node("scale", "Mul", "z", "y", "c"))
                .addInitializer(tensor("c", new long[] {2}, 2, 3));
        assertTrue(() -> {
            try {
                return OnnxModels.fromBytes(model(13, ok), "t.onnx", "t").forward(new double[] {1, 1})[1] == 3.0;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void twoInputsAndAWrongOutputAreRefused() {
        GraphProto.Builder g = gemmThen("y").addInput(value("x2", 1, 2));
        assertTrue(refusal(model(13, g)).contains("several inputs (x, x2)"));
        assertTrue(refusal(model(13, gemmThen("elsewhere"))).contains("the graph's output is not the last node's"));
    }

    @Test
    void divisionByZeroAndExternalWeightsAreRefused() {
        GraphProto.Builder g = gemmThen("z", node("div", "Div", "z", "y", "c")).addInitializer(tensor("c", new long[] {1}, 0f));
        assertTrue(refusal(model(13, g)).contains("node \"div\" (Div, opset 13) divides by 0"));
        GraphProto.Builder ext = GraphProto.newBuilder().setName("g").addInput(value("x", 1, 2))
                .addInitializer(TensorProto.newBuilder(tensor("w", new long[] {2, 2}, 1, 0, 0, 1))
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL))
                .addNode(node("gemm", "Gemm", "y", "x", "w")).addOutput(value("y", 1, 2));
        String m = refusal(model(13, ext));
        assertTrue(m.contains("stored in an external file"), m);
    }

    @Test
    void aNodeWithoutOutputIsRefused() {
        GraphProto.Builder g = gemmThen("y", NodeProto.newBuilder().setName("empty").setOpType("Constant").build());
        assertTrue(refusal(model(13, g)).contains("node \"empty\" (Constant, opset 13) has no output"));
    }

    /**
     * A max pooling whose padding and window are as large as allowed, on a small image: a graph
     * that would take hours, refused by the plaintext evaluator when it is read.
     */
    @Test
    void aGraphOfHostileWorkIsRefusedWhenRead() {
        NodeProto.Builder pool = NodeProto.newBuilder(node("huge", "MaxPool", "y", "x"));
        for (String[] a : new String[][] {{"kernel_shape", "4096"}, {"pads", "4096"}}) {
            AttributeProto.Builder b = AttributeProto.newBuilder().setName(a[0]).setType(AttributeProto.AttributeType.INTS);
            for (int i = 0; i < (a[0].equals("pads") ? 4 : 2); i++) {
                b.addInts(Long.parseLong(a[1]));
            }
            pool.addAttribute(b);
        }
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(value("x", 1, 1, 13, 13)).addNode(pool)
                .addOutput(value("y", 1, 1, 4110, 4110));
        IOException e = assertThrows(IOException.class, () -> OnnxGraph.fromBytes(model(13, g), "t.onnx"));
        assertTrue(e.getMessage().contains("node \"huge\" (MaxPool, opset 13) brings one evaluation to more than 5.0E10"
                + " multiply-adds"), e.getMessage());
    }

    /**
     * An exporter may list initializers among the graph's inputs, even before the real one: the
     * plaintext graph takes the real input, and its part written as a model reads back the same.
     */
    @Test
    void anInitializerListedAsAnInputIsNotTakenForTheInput() throws IOException {
        GraphProto.Builder g = gemmThen("y");
        GraphProto.Builder listed = GraphProto.newBuilder(g.build()).clearInput().addInput(value("w", 2, 2)).addInput(value("x", 1, 2));
        OnnxGraph graph = OnnxGraph.fromBytes(model(13, listed), "t.onnx");
        assertEquals("x", graph.inputName());
        OnnxGraph back = OnnxGraph.fromBytes(graph.upTo("gemm").toBytes(), "back.onnx");
        assertEquals("x", back.inputName());
        assertEquals(2.5, back.run(new double[] {1.5, 2.5})[1], 0.0);
    }
}
