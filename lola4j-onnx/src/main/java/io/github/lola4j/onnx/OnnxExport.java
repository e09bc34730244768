package io.github.lola4j.onnx;

import io.github.lola4j.nn.Affine;
import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.GraphNetwork;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.onnx.proto.Onnx.AttributeProto;
import io.github.lola4j.onnx.proto.Onnx.GraphProto;
import io.github.lola4j.onnx.proto.Onnx.ModelProto;
import io.github.lola4j.onnx.proto.Onnx.NodeProto;
import io.github.lola4j.onnx.proto.Onnx.OperatorSetIdProto;
import io.github.lola4j.onnx.proto.Onnx.StringStringEntryProto;
import io.github.lola4j.onnx.proto.Onnx.TensorProto;
import io.github.lola4j.onnx.proto.Onnx.TensorShapeProto;
import io.github.lola4j.onnx.proto.Onnx.TypeProto;
import io.github.lola4j.onnx.proto.Onnx.ValueInfoProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a lola4j network as an ONNX model (opset 13): Gemm, Conv, Mul(x, x), AveragePool and
 * Flatten nodes, a polynomial activation as Mul and Add nodes; weights as float tensors when every
 * parameter is a float, else as double. The model's metadata (name, data set, input
 * normalization, accuracy, training command, seed) travels in {@code metadata_props} under
 * {@code lola4j.*} keys, and the import restores it.
 */
final class OnnxExport {

    static final int OPSET = 13;
    static final String PREFIX = "lola4j.";

    private OnnxExport() {
    }

    static ModelProto toModel(Network net) {
        boolean floats = ModelFormat.WeightEncoding.lossless(net) == ModelFormat.WeightEncoding.FLOAT32;
        GraphProto.Builder g = GraphProto.newBuilder().setName(net.info().name());
        g.addInput(value("input", net.inputShape(), floats));
        String x = "input";
        Shape shape = net.inputShape();
        int k = 0;
        for (Layer l : net.layers()) {
            String base = k + "_" + l.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
            x = layer(g, l, x, shape, base, floats, "layer " + k);
            shape = l.outputShape(shape);
            k++;
        }
        g.addOutput(value(x, shape, floats));
        return model(g, net.info());
    }

    /**
     * A graph network: its layers as for a sequence, each add as Add nodes (pairwise), each concat
     * as one Concat along axis 1 (channels, after the batch dimension).
     */
    static ModelProto toModel(GraphNetwork graph) {
        boolean floats = ModelFormat.WeightEncoding.lossless(graph) == ModelFormat.WeightEncoding.FLOAT32;
        GraphProto.Builder g = GraphProto.newBuilder().setName(graph.info().name());
        g.addInput(value("input", graph.inputShape(), floats));
        List<GraphNetwork.Node> nodes = graph.nodes();
        String[] out = new String[nodes.size()];
        out[0] = "input";
        for (int i = 1; i < nodes.size(); i++) {
            GraphNetwork.Node n = nodes.get(i);
            String base = i + "_" + n.name().replaceAll("[^A-Za-z0-9_.]", "_");
            List<Integer> in = n.inputs();
            switch (n.op()) {
                case LAYER -> out[i] = layer(g, n.layer(), out[in.get(0)], nodes.get(in.get(0)).shape(), base, floats,
                        "node " + n.name());
                case ADD -> {
                    String sum = out[in.get(0)];
                    for (int k = 1; k < in.size(); k++) {
                        String y = k == in.size() - 1 ? base + "_out" : base + "_" + k;
                        g.addNode(node(k == in.size() - 1 ? base : base + "_" + k, "Add", y, sum, out[in.get(k)]));
                        sum = y;
                    }
                    out[i] = sum;
                }
                case CONCAT -> {
                    String[] from = new String[in.size()];
                    for (int k = 0; k < from.length; k++) {
                        from[k] = out[in.get(k)];
                    }
                    g.addNode(node(base, "Concat", base + "_out", from).addAttribute(integer("axis", 1)));
                    out[i] = base + "_out";
                }
                default -> throw new IllegalStateException("node " + n.name() + " is a second input");
            }
        }
        g.addOutput(value(out[out.length - 1], graph.outputShape(), floats));
        return model(g, graph.info());
    }

    private static ModelProto model(GraphProto.Builder g, ModelInfo info) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("lola4j").setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(OPSET)).setGraph(g);
        for (Map.Entry<String, String> e : metadata(info).entrySet()) {
            m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return m.build();
    }

    /** Writes one layer reading value x; returns the value it writes. */
    private static String layer(GraphProto.Builder g, Layer l, String x, Shape in, String base, boolean floats, String where) {
        String y = base + "_out";
        if (l instanceof Dense d) {
            double[] w = new double[d.inputs() * d.outputs()];
            double[][] rows = d.weights();
            for (int o = 0; o < rows.length; o++) {
                System.arraycopy(rows[o], 0, w, o * d.inputs(), d.inputs());
            }
            g.addInitializer(tensor(base + ".weight", new long[] {d.outputs(), d.inputs()}, w, floats));
            g.addInitializer(tensor(base + ".bias", new long[] {d.outputs()}, d.biases(), floats));
            g.addNode(node(base, "Gemm", y, x, base + ".weight", base + ".bias").addAttribute(integer("transB", 1)));
        } else if (l instanceof Conv2d c) {
            Conv2d.Geometry s = c.geometry();
            double[] b = c.biases();
            g.addInitializer(tensor(base + ".weight", new long[] {s.outChannels(), s.inChannels(), s.kernelRows(), s.kernelCols()},
                    c.flatWeights(), floats));
            g.addInitializer(tensor(base + ".bias", new long[] {s.outChannels()}, b, floats));
            g.addNode(node(base, "Conv", y, x, base + ".weight", base + ".bias")
                    .addAttribute(ints("kernel_shape", s.kernelRows(), s.kernelCols()))
                    .addAttribute(ints("strides", s.strideRows(), s.strideCols()))
                    .addAttribute(ints("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight())));
        } else if (l instanceof Square) {
            g.addNode(node(base, "Mul", y, x, x));
        } else if (l instanceof AvgPool p) {
            g.addNode(node(base, "AveragePool", y, x)
                    .addAttribute(ints("kernel_shape", p.kernelRows(), p.kernelCols()))
                    .addAttribute(ints("strides", p.strideRows(), p.strideCols())));
        } else if (l instanceof Flatten) {
            g.addNode(node(base, "Flatten", y, x).addAttribute(integer("axis", 1)));
        } else if (l instanceof PolyActivation p) {
            // a x^2 + b x + c, each coefficient a scalar constant
            g.addInitializer(tensor(base + ".a", new long[0], new double[] {p.a()}, floats));
            g.addInitializer(tensor(base + ".b", new long[0], new double[] {p.b()}, floats));
            g.addInitializer(tensor(base + ".c", new long[0], new double[] {p.c()}, floats));
            g.addNode(node(base + "_square", "Mul", base + "_x2", x, x));
            g.addNode(node(base + "_ax2", "Mul", base + "_ax2_out", base + "_x2", base + ".a"));
            g.addNode(node(base + "_bx", "Mul", base + "_bx_out", x, base + ".b"));
            g.addNode(node(base + "_sum", "Add", base + "_sum_out", base + "_ax2_out", base + "_bx_out"));
            g.addNode(node(base, "Add", y, base + "_sum_out", base + ".c"));
        } else if (l instanceof Affine a && isIdentity(a)) {
            // the values in order, in another shape: a Reshape
            g.addNode(node(base, "Reshape", y, x, shapeConstant(g, base, a.output())));
        } else if (l instanceof Affine a && a.output().equals(in) && perChannel(a) != null) {
            // y = scale_c x + shift_c: Mul and Add by constants of one value per channel
            double[][] sc = perChannel(a);
            int channels = sc[0].length;
            long[] dims = a.output().rank() == 3 ? new long[] {channels, 1, 1} : new long[] {channels};
            g.addInitializer(tensor(base + ".scale", dims, sc[0], floats));
            g.addInitializer(tensor(base + ".shift", dims, sc[1], floats));
            g.addNode(node(base + "_scale", "Mul", base + "_scaled", x, base + ".scale"));
            g.addNode(node(base, "Add", y, base + "_scaled", base + ".shift"));
        } else if (l instanceof Affine a && (long) a.inputs() * a.output().size() <= MAX_DENSE_AFFINE) {
            // any other affine map: as a vector, times its matrix written out dense, plus the bias, in its shape
            int n = a.inputs();
            int out = a.output().size();
            double[] w = new double[n * out];
            int[] start = a.rowStarts();
            int[] cols = a.columns();
            double[] v = a.weights();
            for (int o = 0; o < out; o++) {
                for (int k = start[o]; k < start[o + 1]; k++) {
                    w[cols[k] * out + o] = v[k];
                }
            }
            g.addInitializer(tensor(base + ".vector", new long[] {2}, new double[] {1, n}, false, true));
            g.addInitializer(tensor(base + ".weight", new long[] {n, out}, w, floats));
            g.addInitializer(tensor(base + ".bias", new long[] {out}, a.biases(), floats));
            g.addNode(node(base + "_vector", "Reshape", base + "_x", x, base + ".vector"));
            g.addNode(node(base + "_matmul", "MatMul", base + "_xw", base + "_x", base + ".weight"));
            if (a.output().rank() == 1) {
                g.addNode(node(base, "Add", y, base + "_xw", base + ".bias"));
            } else {
                g.addNode(node(base + "_bias", "Add", base + "_xwb", base + "_xw", base + ".bias"));
                g.addNode(node(base, "Reshape", y, base + "_xwb", shapeConstant(g, base, a.output())));
            }
        } else {
            throw new IllegalArgumentException(where + " (" + l + ") has no ONNX form here" + (l instanceof Affine
                    ? ": its matrix written out would hold more than " + MAX_DENSE_AFFINE + " weights (export the graph it was"
                    + " lowered from)" : ""));
        }
        return y;
    }

    /** Adds the int64 shape {@code 1 x shape} (the batch first) as an initializer; returns its name. */
    private static String shapeConstant(GraphProto.Builder g, String base, Shape shape) {
        double[] dims = new double[shape.rank() + 1];
        dims[0] = 1;
        for (int i = 0; i < shape.rank(); i++) {
            dims[i + 1] = shape.dim(i);
        }
        g.addInitializer(tensor(base + ".shape", new long[] {dims.length}, dims, false, true));
        return base + ".shape";
    }

    /** Whether an affine layer moves each value to the same place (a reshape): row i reads input i, weight 1, no bias. */
    static boolean isIdentity(Affine a) {
        int[] start = a.rowStarts();
        int[] cols = a.columns();
        double[] w = a.weights();
        double[] b = a.biases();
        if (a.inputs() != a.output().size()) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            if (start[i + 1] - start[i] != 1 || cols[start[i]] != i || w[start[i]] != 1 || b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * An affine layer's scale and shift per channel (per entry of a vector), or null unless it is
     * y = scale_c x + shift_c: each row reads its own input only, with the weight and bias of its
     * channel.
     */
    static double[][] perChannel(Affine a) {
        Shape out = a.output();
        if (a.inputs() != out.size() || (out.rank() != 3 && out.rank() != 1)) {
            return null;
        }
        int[] start = a.rowStarts();
        int[] cols = a.columns();
        double[] w = a.weights();
        double[] b = a.biases();
        int channels = out.dim(0);
        int plane = out.size() / channels;
        double[][] sc = new double[2][channels];
        for (int i = 0; i < out.size(); i++) {
            double weight = start[i + 1] == start[i] ? 0 : w[start[i]];
            if (start[i + 1] - start[i] > 1 || (start[i + 1] > start[i] && cols[start[i]] != i)) {
                return null;
            }
            int c = i / plane;
            if (i % plane == 0) {
                sc[0][c] = weight;
                sc[1][c] = b[i];
            } else if (sc[0][c] != weight || sc[1][c] != b[i]) {
                return null;
            }
        }
        return sc;
    }

    private static Map<String, String> metadata(ModelInfo info) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(PREFIX + "name", info.name());
        m.put(PREFIX + "dataset", info.dataset());
        InputNormalization n = info.normalization();
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < n.channels(); c++) {
            s.append(c == 0 ? "" : ";").append(n.scale(c)).append(' ').append(n.offset(c));
        }
        m.put(PREFIX + "normalization", s.toString());
        m.put(PREFIX + "test_accuracy", Double.toString(info.testAccuracy()));
        m.put(PREFIX + "training_command", info.trainingCommand());
        m.put(PREFIX + "seed", Long.toString(info.seed()));
        return m;
    }

    /**
     * The model info the metadata holds, or null when the model was not written by lola4j (or its
     * metadata does not describe a valid one: then the import names the network as usual).
     */
    static ModelInfo info(ModelProto model) {
        Map<String, String> m = new HashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (e.getKey().startsWith(PREFIX)) {
                m.put(e.getKey().substring(PREFIX.length()), e.getValue());
            }
        }
        if (!m.keySet().containsAll(java.util.List.of("name", "dataset", "normalization", "test_accuracy", "training_command",
                "seed"))) {
            return null;
        }
        try {
            String[] channels = m.get("normalization").split(";");
            double[] scale = new double[channels.length];
            double[] offset = new double[channels.length];
            for (int c = 0; c < channels.length; c++) {
                String[] f = channels[c].split(" ");
                scale[c] = Double.parseDouble(f[0]);
                offset[c] = Double.parseDouble(f[1]);
            }
            InputNormalization n = channels.length == 1 && offset[0] == 0 ? InputNormalization.pixelScale(scale[0])
                    : InputNormalization.affine(scale, offset);
            return new ModelInfo(m.get("name"), m.get("dataset"), n, Double.parseDouble(m.get("test_accuracy")),
                    m.get("training_command"), Long.parseLong(m.get("seed")));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static NodeProto.Builder node(String name, String op, String out, String... in) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        return n;
    }

    private static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** The most weights an affine layer's matrix may have to be written out dense. */
    static final long MAX_DENSE_AFFINE = 1L << 24;

    /** An int64 tensor (a shape), or a float or double one. */
    private static TensorProto tensor(String name, long[] dims, double[] values, boolean floats, boolean int64) {
        if (!int64) {
            return tensor(name, dims, values, floats);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (double v : values) {
            t.addInt64Data((long) v);
        }
        return t.build();
    }

    private static TensorProto tensor(String name, long[] dims, double[] values, boolean floats) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(floats ? TensorProto.DataType.FLOAT_VALUE : TensorProto.DataType.DOUBLE_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * (floats ? 4 : 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (floats) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
        return t.setRawData(com.google.protobuf.ByteString.copyFrom(b.array())).build();
    }

    /** The graph's input or output: float when the weights are, else double (ONNX types every operand alike). */
    private static ValueInfoProto value(String name, Shape shape, boolean floats) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        for (int i = 0; i < shape.rank(); i++) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(shape.dim(i)));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(floats ? TensorProto.DataType.FLOAT_VALUE : TensorProto.DataType.DOUBLE_VALUE).setShape(s)))
                .build();
    }
}
