package io.github.lola4j.onnx;

import static io.github.lola4j.onnx.Attributes.attrFloat;
import static io.github.lola4j.onnx.Attributes.attrInt;
import static io.github.lola4j.onnx.Attributes.attrInts;
import static io.github.lola4j.onnx.Attributes.attrString;
import static io.github.lola4j.onnx.Attributes.attribute;

import io.github.lola4j.onnx.proto.Onnx.AttributeProto;
import io.github.lola4j.onnx.proto.Onnx.GraphProto;
import io.github.lola4j.onnx.proto.Onnx.ModelProto;
import io.github.lola4j.onnx.proto.Onnx.NodeProto;
import io.github.lola4j.onnx.proto.Onnx.TensorProto;
import io.github.lola4j.onnx.proto.Onnx.TensorShapeProto;
import io.github.lola4j.onnx.proto.Onnx.TypeProto;
import io.github.lola4j.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph evaluated in plaintext, one sample at a time: the part of a network the client runs
 * on its own data before it encrypts (a feature extractor, or the ReLU layers in front of a
 * polynomial classifier), built by {@link OnnxModels#split}, {@link #load} or {@link #upTo}.
 *
 * <p>Unlike {@link OnnxModels#load}, which imports a network for encrypted evaluation, this reads
 * any directed acyclic graph of the operators listed in {@link #OPERATORS}: branches that meet in
 * Concat or Add, ReLU and other non-polynomial activations, max pooling. Shapes are fixed when the
 * graph is read; a batch dimension, when the model has one, is evaluated with size 1. Values are
 * computed in double precision (the model's float weights are exact in double), so the result
 * is at least as accurate as the framework's float32 evaluation.
 *
 * <p>Immutable and safe to share between threads: {@link #run} allocates its own buffers.
 */
public final class OnnxGraph {

    /** The operators read. */
    public static final String OPERATORS = "Conv (any groups, strides, pads, dilations), Gemm, MatMul, Add, Sub, Mul, Div"
            + " (by constants or between values, with broadcasting), BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh,"
            + " Clip, Pow (by a constant), Softmax, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, Concat,"
            + " Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Pad (constant), Identity, Dropout, Constant";

    /** The largest tensor evaluated, in values (512 MiB of doubles), so that a hostile shape fails at read time. */
    static final long MAX_VALUES = 1L << 26;

    /**
     * The most multiply-adds (or comparisons) one evaluation may take: 5 x 10^10, about a minute
     * here and 140 times SqueezeNet 1.1's; a graph beyond it (a hostile kernel or padding) is
     * refused when it is read rather than evaluated for hours.
     */
    static final double MAX_WORK = 5e10;

    private final ModelProto model;
    private final String source;
    private final List<Step> steps;
    private final int slots;
    private final String inputName;
    private final int[] inputDims;
    private final String outputName;
    private final int[] outputDims;
    private final boolean batched;
    /** The most data inputs of one node. */
    private final int arity;

    private OnnxGraph(ModelProto model, String source, List<Step> steps, int slots, String inputName, int[] inputDims,
            String outputName, int[] outputDims, boolean batched) {
        this.model = model;
        this.source = source;
        this.steps = steps;
        this.slots = slots;
        this.inputName = inputName;
        this.inputDims = inputDims;
        this.outputName = outputName;
        this.outputDims = outputDims;
        this.batched = batched;
        int most = 1;
        for (Step s : steps) {
            most = Math.max(most, s.inputs.length);
        }
        this.arity = most;
    }

    /**
     * Reads a whole model for plaintext evaluation.
     *
     * @param file the .onnx file
     * @return the graph, computing the model's one output
     * @throws IOException when the file cannot be read, is not an ONNX model, or holds an operator
     *                     or shape this class does not evaluate (the message names the node)
     */
    public static OnnxGraph load(Path file) throws IOException {
        return fromBytes(OnnxModels.readModelFile(file), file.toString());
    }

    /**
     * Reads a model's bytes for plaintext evaluation (see {@link #load}).
     *
     * @param bytes  the ONNX protobuf
     * @param source a name for messages
     * @return the graph
     * @throws IOException as {@link #load}
     */
    public static OnnxGraph fromBytes(byte[] bytes, String source) throws IOException {
        ModelProto model = OnnxModels.parse(bytes, source);
        GraphProto g = model.getGraph();
        if (g.getOutputCount() != 1) {
            throw new IOException(source + ": the graph has " + g.getOutputCount() + " outputs; lola4j evaluates graphs"
                    + " of one output (take one with OnnxGraph.upTo)");
        }
        return build(model, source, g.getOutput(0).getName());
    }

    static OnnxGraph build(ModelProto model, String source, String output) throws IOException {
        int opset = OnnxModels.opset(model, source);
        try {
            return new Builder(model, source, opset).build(output);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * The part of this graph that computes one of its values: what a client runs when the server
     * evaluates the rest encrypted.
     *
     * @param name the name of a value of the graph, or of a node (then its first output)
     * @return the graph whose output is that value, holding only the nodes it needs
     * @throws IOException when no value or node has that name
     */
    public OnnxGraph upTo(String name) throws IOException {
        return build(model, source, valueName(name));
    }

    /** A value's name given the name of a value or of the node that computes it. */
    private String valueName(String name) throws IOException {
        GraphProto g = model.getGraph();
        Set<String> values = new HashSet<>();
        values.add(inputName);
        for (NodeProto n : g.getNodeList()) {
            values.addAll(n.getOutputList());
        }
        if (values.contains(name)) {
            return name;
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getName().equals(name) && n.getOutputCount() > 0) {
                return n.getOutput(0);
            }
        }
        throw new IOException(source + ": no value or node is named \"" + name + "\"");
    }

    /** The name of the graph's input. */
    public String inputName() {
        return inputName;
    }

    /** The input's dimensions, without the batch dimension. */
    public int[] inputDims() {
        return withoutBatch(inputDims);
    }

    /** The number of values of one input. */
    public int inputSize() {
        return size(inputDims);
    }

    /** The name of the value this graph computes. */
    public String outputName() {
        return outputName;
    }

    /** The output's dimensions, without the batch dimension. */
    public int[] outputDims() {
        return withoutBatch(outputDims);
    }

    /** The number of values of one output. */
    public int outputSize() {
        return size(outputDims);
    }

    /** The nodes evaluated, in order. */
    List<NodeProto> nodes() {
        List<NodeProto> n = new ArrayList<>(steps.size());
        for (Step s : steps) {
            n.add(s.node);
        }
        return n;
    }

    /** The number of nodes evaluated. */
    public int nodeCount() {
        return steps.size();
    }

    private int[] withoutBatch(int[] dims) {
        return batched && dims.length > 1 ? Arrays.copyOfRange(dims, 1, dims.length) : dims.clone();
    }

    /**
     * Evaluates the graph on one input.
     *
     * @param input the input's values, in the model's layout (NCHW for images: channel, row, column)
     * @return the output's values in the model's layout
     * @throws IllegalArgumentException when the input has the wrong length or a value that is not finite
     */
    public double[] run(double[] input) {
        if (input.length != size(inputDims)) {
            throw new IllegalArgumentException("OnnxGraph " + source + ": input " + inputName + " has " + input.length
                    + " values, expected " + size(inputDims) + " (" + Arrays.toString(inputDims()) + ")");
        }
        for (int i = 0; i < input.length; i++) {
            if (!Double.isFinite(input[i])) {
                throw new IllegalArgumentException("OnnxGraph " + source + ": input value " + i + " is " + input[i]);
            }
        }
        double[][] values = new double[slots][];
        values[0] = input;
        double[][] args = new double[arity][];
        for (Step s : steps) {
            for (int i = 0; i < s.inputs.length; i++) {
                args[i] = values[s.inputs[i]];
            }
            values[s.output] = s.kernel.apply(args);
            for (int free : s.lastUses) {
                values[free] = null;
            }
        }
        double[] out = values[steps.isEmpty() ? 0 : steps.get(steps.size() - 1).output];
        return out == input ? input.clone() : out;
    }

    /**
     * This graph as an ONNX model: its nodes, the initializers they use, its input and its output.
     * What a server hands a client so that it can run the prefix in any ONNX runtime, and what
     * {@link #fromBytes} reads back as the same graph.
     *
     * @return the protobuf
     */
    public byte[] toBytes() {
        GraphProto g = model.getGraph();
        Set<String> needed = new HashSet<>();
        GraphProto.Builder out = GraphProto.newBuilder().setName(g.getName().isEmpty() ? "prefix" : g.getName());
        for (Step s : steps) {
            out.addNode(s.node);
            needed.addAll(s.node.getInputList());
        }
        for (TensorProto t : g.getInitializerList()) {
            if (needed.contains(t.getName())) {
                out.addInitializer(t);
            }
        }
        // the graph's input by name: an exporter may list initializers among the inputs, even first
        ValueInfoProto input = g.getInputList().stream().filter(v -> v.getName().equals(inputName)).findFirst().orElseThrow();
        out.addInput(input);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < outputDims.length; i++) {
            shape.addDim(i == 0 && batched ? input.getType().getTensorType().getShape().getDim(0)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(outputDims[i]).build());
        }
        out.addOutput(ValueInfoProto.newBuilder().setName(outputName).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
        return model.toBuilder().clearMetadataProps().setGraph(out).build().toByteArray();
    }

    /**
     * Writes {@link #toBytes} through a temporary file, so that a failed write leaves no partial model.
     *
     * @param file the .onnx file to create or replace
     * @throws IOException when it cannot be written
     */
    public void save(Path file) throws IOException {
        OnnxModels.writeAtomically(toBytes(), file);
    }

    @Override
    public String toString() {
        return "OnnxGraph " + source + ": " + inputName + " " + Arrays.toString(inputDims()) + " -> " + outputName + " "
                + Arrays.toString(outputDims()) + ", " + steps.size() + " nodes";
    }

    static int size(int[] dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return (int) n;
    }

    /** One node: its kernel, where its inputs and output live, and which values die after it. */
    private record Step(NodeProto node, Kernel kernel, int[] inputs, int output, int[] lastUses) {
    }

    /** A node's computation on its data inputs (constants are bound into it). */
    @FunctionalInterface
    private interface Kernel {
        double[] apply(double[][] in);
    }

    /** Reads the graph: the nodes one value needs, in order, each with its shapes checked and its kernel. */
    private static final class Builder {
        private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div");
        private final ModelProto model;
        private final GraphProto graph;
        private final String source;
        private final int opset;
        private final Map<String, ConstantTensor> constants = new HashMap<>();
        private final Map<String, TensorProto> constantProtos = new HashMap<>();
        private final Map<String, int[]> shapes = new HashMap<>();
        private final Map<String, Integer> slots = new HashMap<>();
        private boolean batched;
        /** The multiply-adds of one evaluation so far. */
        private double work;

        Builder(ModelProto model, String source, int opset) {
            this.model = model;
            this.graph = model.getGraph();
            this.source = source;
            this.opset = opset;
        }

        OnnxGraph build(String output) throws IOException {
            for (TensorProto t : graph.getInitializerList()) {
                constantProtos.put(t.getName(), t);
            }
            ValueInfoProto in = input();
            int[] inDims = inputDims(in);
            shapes.put(in.getName(), inDims);
            slots.put(in.getName(), 0);
            List<NodeProto> nodes = needed(output, in.getName());
            List<Step> steps = new ArrayList<>();
            Map<Integer, Integer> lastUse = new HashMap<>();
            List<NodeProto> kept = new ArrayList<>();
            List<Kernel> kernels = new ArrayList<>();
            List<int[]> inputs = new ArrayList<>();
            for (NodeProto n : nodes) {
                if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                    throw refused(n, "is of domain " + n.getDomain() + "; lola4j reads the default ONNX domain");
                }
                if (n.getOpType().equals("Constant")) {
                    AttributeProto v = attribute(n, "value");
                    if (v == null || !v.hasT() || n.getOutputCount() != 1) {
                        throw refused(n, "holds no tensor value");
                    }
                    constantProtos.put(n.getOutput(0), v.getT());
                    continue;
                }
                List<Integer> data = new ArrayList<>();
                for (String i : n.getInputList()) {
                    if (slots.containsKey(i)) {
                        data.add(slots.get(i));
                    }
                }
                if (data.isEmpty()) {
                    throw refused(n, "computes from constants only; export the model with constant folding"
                            + " (torch.onnx.export(..., do_constant_folding=True))");
                }
                Kernel k = kernel(n);
                int slot = slots.size();
                slots.put(n.getOutput(0), slot);
                int[] ins = new int[data.size()];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = data.get(i);
                    lastUse.put(ins[i], kept.size());
                }
                kept.add(n);
                kernels.add(k);
                inputs.add(ins);
            }
            int outSlot = slots.get(output);
            for (int s = 0; s < kept.size(); s++) {
                List<Integer> dies = new ArrayList<>();
                for (Map.Entry<Integer, Integer> e : lastUse.entrySet()) {
                    if (e.getValue() == s && e.getKey() != 0 && e.getKey() != outSlot) {
                        dies.add(e.getKey());
                    }
                }
                int[] d = new int[dies.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = dies.get(i);
                }
                steps.add(new Step(kept.get(s), kernels.get(s), inputs.get(s), slots.get(kept.get(s).getOutput(0)), d));
            }
            return new OnnxGraph(model, source, List.copyOf(steps), slots.size(), in.getName(), inDims, output,
                    shapes.get(output), batched);
        }

        private ValueInfoProto input() throws IOException {
            ValueInfoProto in = OnnxModels.graphInput(graph, constantProtos, source, "evaluates graphs");
            if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE
                    && in.getType().getTensorType().getElemType() != TensorProto.DataType.DOUBLE_VALUE) {
                throw new IOException(source + ": input " + in.getName() + " is of data type "
                        + in.getType().getTensorType().getElemType() + "; lola4j evaluates float and double inputs");
            }
            return in;
        }

        /** The input's dimensions; a batch dimension (symbolic, or 1, before 2 or more others) is evaluated as 1. */
        private int[] inputDims(ValueInfoProto in) throws IOException {
            TensorShapeProto s = in.getType().getTensorType().getShape();
            if (s.getDimCount() < 1) {
                throw new IOException(source + ": input " + in.getName() + " has no shape");
            }
            int[] dims = new int[s.getDimCount()];
            for (int i = 0; i < dims.length; i++) {
                TensorShapeProto.Dimension d = s.getDim(i);
                if (i == 0 && s.getDimCount() > 1 && (!d.hasDimValue() || d.getDimValue() == 1)) {
                    dims[0] = 1;
                    batched = true;
                } else if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > Integer.MAX_VALUE) {
                    throw new IOException(source + ": input " + in.getName() + " has no fixed size in dimension " + i
                            + (i == 0 ? " (a batch dimension must be symbolic or 1)" : ""));
                } else {
                    dims[i] = (int) d.getDimValue();
                }
            }
            checkSize(dims, "input " + in.getName());
            return dims;
        }

        private void checkSize(int[] dims, String what) {
            long n = 1;
            for (int d : dims) {
                n *= d;
                if (d < 0 || n > MAX_VALUES) {
                    throw new IllegalArgumentException(what + " has shape " + Arrays.toString(dims) + ", more than the "
                            + MAX_VALUES + " values lola4j evaluates");
                }
            }
        }

        /** The nodes the value depends on, in the graph's order (which ONNX requires to be topological). */
        private List<NodeProto> needed(String output, String inputName) throws IOException {
            Map<String, NodeProto> producer = new HashMap<>();
            for (NodeProto n : graph.getNodeList()) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty() && producer.put(o, n) != null) {
                        throw new IOException(source + ": value " + o + " is computed by two nodes");
                    }
                }
            }
            if (!output.equals(inputName) && !producer.containsKey(output)) {
                throw new IOException(source + ": no node computes " + output);
            }
            Set<NodeProto> need = new HashSet<>();
            List<String> todo = new ArrayList<>(List.of(output));
            while (!todo.isEmpty()) {
                NodeProto n = producer.get(todo.remove(todo.size() - 1));
                if (n != null && need.add(n)) {
                    for (String i : n.getInputList()) {
                        if (!i.isEmpty() && !constantProtos.containsKey(i) && !i.equals(inputName)) {
                            if (!producer.containsKey(i)) {
                                throw refused(n, "reads " + i + ", which no node computes and which is not an initializer");
                            }
                            todo.add(i);
                        }
                    }
                }
            }
            List<NodeProto> ordered = new ArrayList<>();
            Set<String> known = new HashSet<>(constantProtos.keySet());
            known.add(inputName);
            for (NodeProto n : graph.getNodeList()) {
                if (need.contains(n)) {
                    for (String i : n.getInputList()) {
                        if (!i.isEmpty() && !known.contains(i)) {
                            throw refused(n, "reads " + i + " before it is computed; the nodes are not in topological order");
                        }
                    }
                    ordered.add(n);
                }
                known.addAll(n.getOutputList());
            }
            return ordered;
        }

        private IllegalArgumentException refused(NodeProto n, String why) {
            return new IllegalArgumentException("node \"" + n.getName() + "\" (" + n.getOpType() + ", opset " + opset + ") " + why);
        }

        private int[] shape(NodeProto n, int index) {
            int[] s = shapes.get(n.getInput(index));
            if (s == null) {
                throw refused(n, "takes input " + index + " (" + n.getInput(index) + ") from a constant where lola4j"
                        + " expects a computed value");
            }
            return s;
        }

        private boolean isConstant(NodeProto n, int index) {
            return index < n.getInputCount() && constantProtos.containsKey(n.getInput(index));
        }

        private ConstantTensor constant(NodeProto n, int index, String what) {
            if (n.getInputCount() <= index || n.getInput(index).isEmpty()) {
                throw refused(n, "has no " + what);
            }
            ConstantTensor t = constants.get(n.getInput(index));
            if (t == null) {
                TensorProto p = constantProtos.get(n.getInput(index));
                if (p == null) {
                    throw refused(n, "takes " + what + " from " + n.getInput(index) + ", which is not a constant");
                }
                try {
                    t = ConstantTensor.of(p);
                } catch (IllegalArgumentException e) {
                    throw refused(n, what + ": " + e.getMessage());
                }
                constants.put(n.getInput(index), t);
            }
            return t;
        }

        /** The node's kernel; records the shape of its output. */
        private Kernel kernel(NodeProto n) {
            if (n.getOutputCount() < 1 || n.getOutput(0).isEmpty()) {
                throw refused(n, "has no output");
            }
            String op = n.getOpType();
            Kernel k;
            int[] out;
            // a binary operator may take a constant first; every other operator reads a computed value first
            int[] x = BINARY.contains(op) ? null : shape(n, 0);
            switch (op) {
                case "Identity", "Dropout" -> {
                    if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                        throw refused(n, "outputs a mask; export the model in eval mode");
                    }
                    out = x;
                    k = in -> in[0];
                }
                case "Relu" -> {
                    out = x;
                    k = in -> map(in[0], v -> v > 0 ? v : 0);
                }
                case "LeakyRelu" -> {
                    double a = attrFloat(n, "alpha", 0.01f);
                    out = x;
                    k = in -> map(in[0], v -> v >= 0 ? v : a * v);
                }
                case "Sigmoid" -> {
                    out = x;
                    k = in -> map(in[0], v -> 1 / (1 + Math.exp(-v)));
                }
                case "Tanh" -> {
                    out = x;
                    k = in -> map(in[0], Math::tanh);
                }
                case "Clip" -> {
                    double lo;
                    double hi;
                    if (opset < 11) {
                        lo = attrFloat(n, "min", Float.NEGATIVE_INFINITY);
                        hi = attrFloat(n, "max", Float.POSITIVE_INFINITY);
                    } else {
                        lo = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? scalar(n, 1, "min") : Double.NEGATIVE_INFINITY;
                        hi = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? scalar(n, 2, "max") : Double.POSITIVE_INFINITY;
                    }
                    out = x;
                    k = in -> map(in[0], v -> Math.min(hi, Math.max(lo, v)));
                }
                case "Pow" -> {
                    double p = scalar(n, 1, "the exponent");
                    out = x;
                    k = p == 2 ? in -> map(in[0], v -> v * v) : in -> map(in[0], v -> Math.pow(v, p));
                }
                case "Add", "Sub", "Mul", "Div" -> {
                    return binary(n, op);
                }
                case "Softmax" -> {
                    return softmax(n, x);
                }
                case "BatchNormalization" -> {
                    return batchNorm(n, x);
                }
                case "Conv" -> {
                    return conv(n, x);
                }
                case "MaxPool", "AveragePool" -> {
                    return pool(n, x, op.equals("MaxPool"));
                }
                case "GlobalAveragePool", "GlobalMaxPool" -> {
                    return globalPool(n, x, op.equals("GlobalMaxPool"));
                }
                case "Concat" -> {
                    return concat(n);
                }
                case "Flatten" -> {
                    int axis = axis(n, attrInt(n, "axis", 1), x.length + 1);
                    out = new int[] {prod(x, 0, axis), prod(x, axis, x.length)};
                    k = in -> in[0];
                }
                case "Reshape" -> {
                    out = reshape(n, x);
                    k = in -> in[0];
                }
                case "Squeeze", "Unsqueeze" -> {
                    out = squeeze(n, x, op.equals("Squeeze"));
                    k = in -> in[0];
                }
                case "Transpose" -> {
                    return transpose(n, x);
                }
                case "Gemm" -> {
                    return gemm(n, x);
                }
                case "MatMul" -> {
                    return matMul(n, x);
                }
                case "Pad" -> {
                    return pad(n, x);
                }
                default -> throw refused(n, "is not supported; lola4j evaluates " + OPERATORS);
            }
            return record(n, out, k);
        }

        private Kernel record(NodeProto n, int[] out, Kernel k) {
            checkSize(out, "node \"" + n.getName() + "\"'s output");
            charge(n, size(out));
            shapes.put(n.getOutput(0), out);
            return k;
        }

        /** Adds a node's work to the graph's, refusing the graph when the total exceeds {@link #MAX_WORK}. */
        private void charge(NodeProto n, double ops) {
            work += ops;
            if (work > MAX_WORK) {
                throw refused(n, "brings one evaluation to more than " + MAX_WORK + " multiply-adds; lola4j evaluates graphs"
                        + " of at most that much work per input");
            }
        }

        private double scalar(NodeProto n, int index, String what) {
            ConstantTensor t = constant(n, index, what);
            if (t.values().length != 1) {
                throw refused(n, "has " + t.values().length + " values for " + what + ", expected 1");
            }
            return t.values()[0];
        }

        private int axis(NodeProto n, long axis, int rank) {
            long a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) {
                throw refused(n, "has axis " + axis + " for a value of rank " + rank);
            }
            return (int) a;
        }

        private static int prod(int[] d, int from, int to) {
            int p = 1;
            for (int i = from; i < to; i++) {
                p *= d[i];
            }
            return p;
        }

        private interface DoubleOp {
            double apply(double v);
        }

        private static double[] map(double[] x, DoubleOp f) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = f.apply(x[i]);
            }
            return y;
        }

        /** Add, Sub, Mul, Div with ONNX's (numpy's) multidirectional broadcasting; either operand may be constant. */
        private Kernel binary(NodeProto n, String op) {
            if (n.getInputCount() != 2) {
                throw refused(n, "has " + n.getInputCount() + " inputs, expected 2");
            }
            boolean c0 = !slots.containsKey(n.getInput(0));
            boolean c1 = !slots.containsKey(n.getInput(1));
            double[] k0 = c0 ? constant(n, 0, "its first operand").values() : null;
            double[] k1 = c1 ? constant(n, 1, "its second operand").values() : null;
            int[] a = c0 ? dims(constant(n, 0, "its first operand")) : shape(n, 0);
            int[] b = c1 ? dims(constant(n, 1, "its second operand")) : shape(n, 1);
            int rank = Math.max(a.length, b.length);
            int[] out = new int[rank];
            int[] sa = new int[rank];
            int[] sb = new int[rank];
            int strideA = 1;
            int strideB = 1;
            for (int i = rank - 1; i >= 0; i--) {
                int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
                int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
                if (da != db && da != 1 && db != 1) {
                    throw refused(n, "combines shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                            + ", which do not broadcast");
                }
                out[i] = Math.max(da, db);
                sa[i] = da == 1 ? 0 : strideA;
                sb[i] = db == 1 ? 0 : strideB;
                strideA *= da;
                strideB *= db;
            }
            int code = switch (op) {
                case "Add" -> 0;
                case "Sub" -> 1;
                case "Mul" -> 2;
                default -> 3;
            };
            int total = size(out);
            boolean same = Arrays.equals(a, out) && Arrays.equals(b, out);
            Kernel k = in -> {
                double[] x = c0 ? k0 : in[0];
                double[] y = c1 ? k1 : in[c0 ? 0 : 1];
                double[] r = new double[total];
                if (same) {
                    for (int i = 0; i < total; i++) {
                        r[i] = combine(code, x[i], y[i]);
                    }
                    return r;
                }
                int[] idx = new int[rank];
                int ia = 0;
                int ib = 0;
                for (int i = 0; i < total; i++) {
                    r[i] = combine(code, x[ia], y[ib]);
                    for (int d = rank - 1; d >= 0; d--) {
                        idx[d]++;
                        ia += sa[d];
                        ib += sb[d];
                        if (idx[d] < out[d]) {
                            break;
                        }
                        ia -= sa[d] * out[d];
                        ib -= sb[d] * out[d];
                        idx[d] = 0;
                    }
                }
                return r;
            };
            return record(n, out, k);
        }

        private static double combine(int code, double x, double y) {
            return switch (code) {
                case 0 -> x + y;
                case 1 -> x - y;
                case 2 -> x * y;
                default -> x / y;
            };
        }

        private static int[] dims(ConstantTensor t) {
            int[] d = new int[t.dims().length];
            for (int i = 0; i < d.length; i++) {
                d[i] = (int) t.dims()[i];
            }
            return d;
        }

        private Kernel softmax(NodeProto n, int[] x) {
            int axis = axis(n, attrInt(n, "axis", opset < 13 ? 1 : -1), x.length);
            // before opset 13 the input is flattened to 2-D at axis; from 13 the softmax runs along axis alone
            int outer = prod(x, 0, axis);
            int len = opset < 13 ? prod(x, axis, x.length) : x[axis];
            int inner = opset < 13 ? 1 : prod(x, axis + 1, x.length);
            Kernel k = in -> {
                double[] v = in[0];
                double[] r = new double[v.length];
                for (int o = 0; o < outer; o++) {
                    for (int i = 0; i < inner; i++) {
                        int base = o * len * inner + i;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < len; j++) {
                            max = Math.max(max, v[base + j * inner]);
                        }
                        double sum = 0;
                        for (int j = 0; j < len; j++) {
                            r[base + j * inner] = Math.exp(v[base + j * inner] - max);
                            sum += r[base + j * inner];
                        }
                        for (int j = 0; j < len; j++) {
                            r[base + j * inner] /= sum;
                        }
                    }
                }
                return r;
            };
            return record(n, x, k);
        }

        private Kernel batchNorm(NodeProto n, int[] x) {
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                throw refused(n, "is in training mode (it outputs running statistics); export the model in eval mode");
            }
            if (x.length < 2) {
                throw refused(n, "takes a value of shape " + Arrays.toString(x) + "; expected a batch and a channel dimension");
            }
            int channels = x[1];
            double eps = attrFloat(n, "epsilon", 1e-5f);
            double[] gamma = constant(n, 1, "scale").values();
            double[] beta = constant(n, 2, "B").values();
            double[] mean = constant(n, 3, "the mean").values();
            double[] var = constant(n, 4, "the variance").values();
            if (gamma.length != channels || beta.length != channels || mean.length != channels || var.length != channels) {
                throw refused(n, "has parameters of " + gamma.length + ", " + beta.length + ", " + mean.length + " and "
                        + var.length + " values for " + channels + " channels");
            }
            double[] scale = new double[channels];
            double[] shift = new double[channels];
            for (int c = 0; c < channels; c++) {
                if (!(var[c] + eps > 0)) {
                    throw refused(n, "has variance " + var[c] + " in channel " + c);
                }
                scale[c] = gamma[c] / Math.sqrt(var[c] + eps);
                shift[c] = beta[c] - mean[c] * scale[c];
            }
            int inner = prod(x, 2, x.length);
            int batch = x[0];
            Kernel k = in -> {
                double[] v = in[0];
                double[] r = new double[v.length];
                for (int b = 0; b < batch; b++) {
                    for (int c = 0; c < channels; c++) {
                        int base = (b * channels + c) * inner;
                        for (int i = base; i < base + inner; i++) {
                            r[i] = v[i] * scale[c] + shift[c];
                        }
                    }
                }
                return r;
            };
            return record(n, x, k);
        }

        /** The 2-D spatial geometry of a Conv or pooling node on a [1, C, H, W] value. */
        private int[] spatial(NodeProto n, int[] x, long[] kernel) {
            if (x.length != 4 || x[0] != 1) {
                throw refused(n, "takes a value of shape " + Arrays.toString(x) + "; lola4j evaluates 2-D images [1, C, H, W]");
            }
            if (kernel.length != 2) {
                throw refused(n, "has a kernel of " + kernel.length + " dimensions; expected 2");
            }
            long[] strides = attrInts(n, "strides", new long[] {1, 1});
            long[] dil = attrInts(n, "dilations", new long[] {1, 1});
            long[] pads = attrInts(n, "pads", new long[] {0, 0, 0, 0});
            if (strides.length != 2 || dil.length != 2 || pads.length != 4) {
                throw refused(n, "has strides, dilations or pads for other than 2 dimensions");
            }
            for (int i = 0; i < 2; i++) {
                if (strides[i] < 1 || dil[i] < 1 || kernel[i] < 1 || strides[i] > 4096 || dil[i] > 4096 || kernel[i] > 4096) {
                    throw refused(n, "has kernel " + Arrays.toString(kernel) + ", strides " + Arrays.toString(strides)
                            + " and dilations " + Arrays.toString(dil) + "; expected each in 1..4096");
                }
            }
            for (long p : pads) {
                if (p < 0 || p > 4096) {
                    throw refused(n, "has pads " + Arrays.toString(pads) + "; expected each in 0..4096");
                }
            }
            String autoPad = attrString(n, "auto_pad", "NOTSET");
            int[] p = {(int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3]};
            boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
            int[] o = new int[2];
            for (int i = 0; i < 2; i++) {
                int size = x[2 + i];
                int span = (int) ((kernel[i] - 1) * dil[i] + 1);
                int s = (int) strides[i];
                switch (autoPad) {
                    case "NOTSET" -> {
                        long room = (long) size + p[i] + p[i + 2] - span;
                        if (room < 0) {
                            throw refused(n, "has a window of " + span + " on an input of " + size + " (padded by "
                                    + (p[i] + p[i + 2]) + ")");
                        }
                        o[i] = (int) ((ceil ? (room + s - 1) / s : room / s) + 1);
                        // in ceil mode the last window must start inside the input or its leading pad
                        if (ceil && (long) (o[i] - 1) * s >= size + p[i]) {
                            o[i]--;
                        }
                    }
                    case "VALID" -> {
                        if (size < span) {
                            throw refused(n, "has a window of " + span + " on an input of " + size);
                        }
                        o[i] = (size - span) / s + 1;
                        p[i] = 0;
                        p[i + 2] = 0;
                    }
                    case "SAME_UPPER", "SAME_LOWER" -> {
                        o[i] = (size + s - 1) / s;
                        int total = Math.max(0, (o[i] - 1) * s + span - size);
                        p[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                        p[i + 2] = total - p[i];
                    }
                    default -> throw refused(n, "has auto_pad = " + autoPad);
                }
            }
            return new int[] {o[0], o[1], p[0], p[1], p[2], p[3], (int) strides[0], (int) strides[1], (int) dil[0],
                (int) dil[1], (int) kernel[0], (int) kernel[1]};
        }

        private Kernel conv(NodeProto n, int[] x) {
            ConstantTensor w = constant(n, 1, "W");
            int[] wd = dims(w);
            if (wd.length != 4) {
                throw refused(n, "has weights of shape " + Arrays.toString(wd) + "; lola4j evaluates 2-D convolutions");
            }
            int groups = (int) attrInt(n, "group", 1);
            int cin = x.length == 4 ? x[1] : -1;
            if (groups < 1 || cin % groups != 0 || wd[0] % groups != 0 || wd[1] != cin / groups) {
                throw refused(n, "has weights of shape " + Arrays.toString(wd) + " and " + groups + " groups for an input of"
                        + " shape " + Arrays.toString(x));
            }
            long[] ks = attrInts(n, "kernel_shape", new long[] {wd[2], wd[3]});
            if (ks.length != 2 || ks[0] != wd[2] || ks[1] != wd[3]) {
                throw refused(n, "has kernel_shape " + Arrays.toString(ks) + " for weights " + Arrays.toString(wd));
            }
            int[] g = spatial(n, x, ks);
            int cout = wd[0];
            double[] bias = new double[cout];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                double[] b = constant(n, 2, "B").values();
                if (b.length != cout) {
                    throw refused(n, "has " + b.length + " biases for " + cout + " output channels");
                }
                bias = b;
            }
            double[] weights = w.values();
            double[] bs = bias;
            int h = x[2];
            int wi = x[3];
            charge(n, (double) cout * g[0] * g[1] * (cin / groups) * g[10] * g[11]);
            Kernel k = in -> convolve(in[0], weights, bs, cin, h, wi, cout, groups, g);
            return record(n, new int[] {1, cout, g[0], g[1]}, k);
        }

        /**
         * A direct convolution. For each (output channel, input channel, kernel offset) one weight
         * multiplies a strip of each input row into the matching output row, the strip's bounds
         * computed once so that the inner loop has no test (and is contiguous at stride 1).
         */
        private static double[] convolve(double[] in, double[] w, double[] bias, int cin, int h, int wi, int cout, int groups,
                int[] g) {
            int oh = g[0];
            int ow = g[1];
            int pt = g[2];
            int pl = g[3];
            int sy = g[6];
            int sx = g[7];
            int dy = g[8];
            int dx = g[9];
            int kh = g[10];
            int kw = g[11];
            int cinG = cin / groups;
            int coutG = cout / groups;
            double[] out = new double[cout * oh * ow];
            for (int oc = 0; oc < cout; oc++) {
                int obase = oc * oh * ow;
                Arrays.fill(out, obase, obase + oh * ow, bias[oc]);
                int group = oc / coutG;
                for (int ic = 0; ic < cinG; ic++) {
                    int ibase = (group * cinG + ic) * h * wi;
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            double wv = w[((oc * cinG + ic) * kh + ky) * kw + kx];
                            if (wv == 0) {
                                continue;
                            }
                            int offX = kx * dx - pl;
                            // ox such that 0 <= ox * sx + offX < wi
                            int lo = offX >= 0 ? 0 : (-offX + sx - 1) / sx;
                            int hi = Math.min(ow - 1, Math.floorDiv(wi - 1 - offX, sx));
                            if (lo > hi) {
                                continue;
                            }
                            for (int oy = 0; oy < oh; oy++) {
                                int iy = oy * sy + ky * dy - pt;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                int orow = obase + oy * ow;
                                int irow = ibase + iy * wi + offX;
                                if (sx == 1) {
                                    for (int ox = lo; ox <= hi; ox++) {
                                        out[orow + ox] += wv * in[irow + ox];
                                    }
                                } else {
                                    for (int ox = lo; ox <= hi; ox++) {
                                        out[orow + ox] += wv * in[irow + ox * sx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return out;
        }

        private Kernel pool(NodeProto n, int[] x, boolean max) {
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                throw refused(n, "outputs indices; lola4j evaluates the pooled values only");
            }
            long[] ks = attrInts(n, "kernel_shape", new long[0]);
            int[] g = spatial(n, x, ks);
            boolean includePad = attrInt(n, "count_include_pad", 0) != 0;
            int c = x[1];
            int h = x[2];
            int w = x[3];
            charge(n, (double) c * g[0] * g[1] * g[10] * g[11]);
            Kernel k = in -> pool(in[0], c, h, w, g, max, includePad);
            return record(n, new int[] {1, c, g[0], g[1]}, k);
        }

        /**
         * Max or average over each window. Positions outside the input never win a max; an average
         * divides by the positions inside the input, or with count_include_pad by those inside the
         * padded input (a ceil-mode window reaching past the padding counts only up to it, as
         * PyTorch and onnxruntime do).
         */
        private static double[] pool(double[] in, int c, int h, int w, int[] g, boolean max, boolean includePad) {
            int oh = g[0];
            int ow = g[1];
            int pt = g[2];
            int pl = g[3];
            int pb = g[4];
            int pr = g[5];
            double[] out = new double[c * oh * ow];
            for (int ch = 0; ch < c; ch++) {
                int ibase = ch * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * g[6] - pt;
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * g[7] - pl;
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        int padded = 0;
                        for (int ky = 0; ky < g[10]; ky++) {
                            int iy = y0 + ky * g[8];
                            for (int kx = 0; kx < g[11]; kx++) {
                                int ix = x0 + kx * g[9];
                                if (iy >= -pt && iy < h + pb && ix >= -pl && ix < w + pr) {
                                    padded++;
                                }
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                    continue;
                                }
                                double v = in[ibase + iy * w + ix];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        out[(ch * oh + oy) * ow + ox] = max ? (count == 0 ? 0 : acc) : acc / Math.max(1, includePad ? padded : count);
                    }
                }
            }
            return out;
        }

        private Kernel globalPool(NodeProto n, int[] x, boolean max) {
            if (x.length < 3) {
                throw refused(n, "takes a value of shape " + Arrays.toString(x) + "; expected [1, C, spatial...]");
            }
            int c = x[0] * x[1];
            int inner = prod(x, 2, x.length);
            int[] out = x.clone();
            Arrays.fill(out, 2, out.length, 1);
            Kernel k = in -> {
                double[] v = in[0];
                double[] r = new double[c];
                for (int ch = 0; ch < c; ch++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int i = ch * inner; i < (ch + 1) * inner; i++) {
                        acc = max ? Math.max(acc, v[i]) : acc + v[i];
                    }
                    r[ch] = max ? acc : acc / inner;
                }
                return r;
            };
            return record(n, out, k);
        }

        private Kernel concat(NodeProto n) {
            int count = n.getInputCount();
            if (count < 1) {
                throw refused(n, "concatenates nothing");
            }
            for (int i = 0; i < count; i++) {
                if (!slots.containsKey(n.getInput(i))) {
                    throw refused(n, "concatenates a constant (" + n.getInput(i) + "); lola4j concatenates computed values");
                }
            }
            int[] first = shape(n, 0);
            int axis = axis(n, attrInt(n, "axis", 1), first.length);
            int[] out = first.clone();
            int[] widths = new int[count];
            out[axis] = 0;
            for (int i = 0; i < count; i++) {
                int[] s = shape(n, i);
                for (int d = 0; d < first.length; d++) {
                    if (s.length != first.length || (d != axis && s[d] != first[d])) {
                        throw refused(n, "concatenates shapes " + Arrays.toString(first) + " and " + Arrays.toString(s)
                                + " along axis " + axis);
                    }
                }
                widths[i] = s[axis] * prod(s, axis + 1, s.length);
                out[axis] += s[axis];
            }
            int outer = prod(first, 0, axis);
            int row = out[axis] * prod(out, axis + 1, out.length);
            Kernel k = in -> {
                double[] r = new double[outer * row];
                int off = 0;
                for (int i = 0; i < count; i++) {
                    for (int o = 0; o < outer; o++) {
                        System.arraycopy(in[i], o * widths[i], r, o * row + off, widths[i]);
                    }
                    off += widths[i];
                }
                return r;
            };
            return record(n, out, k);
        }

        private int[] reshape(NodeProto n, int[] x) {
            long[] target = constant(n, 1, "the shape").longs();
            boolean allowZero = attrInt(n, "allowzero", 0) != 0;
            int[] out = new int[target.length];
            int unknown = -1;
            long known = 1;
            for (int i = 0; i < target.length; i++) {
                if (target[i] == -1 && unknown < 0) {
                    unknown = i;
                    continue;
                }
                long d = target[i] == 0 && !allowZero ? (i < x.length ? x[i] : -1) : target[i];
                if (d < 1 || d > Integer.MAX_VALUE) {
                    throw refused(n, "reshapes " + Arrays.toString(x) + " to " + Arrays.toString(target));
                }
                out[i] = (int) d;
                known *= d;
            }
            int size = size(x);
            if (unknown >= 0) {
                if (known == 0 || size % known != 0) {
                    throw refused(n, "reshapes " + Arrays.toString(x) + " to " + Arrays.toString(target));
                }
                out[unknown] = (int) (size / known);
            } else if (known != size) {
                throw refused(n, "reshapes " + size + " values (" + Arrays.toString(x) + ") to " + Arrays.toString(target));
            }
            return out;
        }

        private int[] squeeze(NodeProto n, int[] x, boolean squeeze) {
            long[] axes = opset < 13 ? attrInts(n, "axes", null)
                    : n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? constant(n, 1, "the axes").longs() : null;
            if (axes == null && !squeeze) {
                throw refused(n, "has no axes");
            }
            int rank = squeeze ? x.length : x.length + axes.length;
            boolean[] marked = new boolean[rank];
            if (axes != null) {
                for (long a : axes) {
                    int ax = axis(n, a, rank);
                    if (marked[ax] || (squeeze && x[ax] != 1)) {
                        throw refused(n, "has axes " + Arrays.toString(axes) + " for a value of shape " + Arrays.toString(x));
                    }
                    marked[ax] = true;
                }
            }
            List<Integer> out = new ArrayList<>();
            int j = 0;
            for (int i = 0; i < rank; i++) {
                if (squeeze) {
                    if (!(axes == null ? x[i] == 1 : marked[i])) {
                        out.add(x[i]);
                    }
                } else {
                    out.add(marked[i] ? 1 : x[j++]);
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        private Kernel transpose(NodeProto n, int[] x) {
            long[] perm = attrInts(n, "perm", null);
            int rank = x.length;
            int[] p = new int[rank];
            boolean[] seen = new boolean[rank];
            for (int i = 0; i < rank; i++) {
                p[i] = perm == null ? rank - 1 - i : (int) perm[i];
                if (perm != null && (perm.length != rank || perm[i] < 0 || perm[i] >= rank || seen[p[i]])) {
                    throw refused(n, "has perm " + Arrays.toString(perm) + " for a value of rank " + rank);
                }
                seen[p[i]] = true;
            }
            int[] out = new int[rank];
            int[] inStride = new int[rank];
            int s = 1;
            for (int i = rank - 1; i >= 0; i--) {
                inStride[i] = s;
                s *= x[i];
            }
            int[] stride = new int[rank];
            for (int i = 0; i < rank; i++) {
                out[i] = x[p[i]];
                stride[i] = inStride[p[i]];
            }
            int total = size(x);
            Kernel k = in -> {
                double[] r = new double[total];
                int[] idx = new int[rank];
                int src = 0;
                for (int i = 0; i < total; i++) {
                    r[i] = in[0][src];
                    for (int d = rank - 1; d >= 0; d--) {
                        idx[d]++;
                        src += stride[d];
                        if (idx[d] < out[d]) {
                            break;
                        }
                        src -= stride[d] * out[d];
                        idx[d] = 0;
                    }
                }
                return r;
            };
            return record(n, out, k);
        }

        private Kernel gemm(NodeProto n, int[] x) {
            if (x.length != 2) {
                throw refused(n, "takes a value of shape " + Arrays.toString(x) + "; expected [batch, features]");
            }
            boolean transA = attrInt(n, "transA", 0) != 0;
            boolean transB = attrInt(n, "transB", 0) != 0;
            double alpha = attrFloat(n, "alpha", 1f);
            double beta = attrFloat(n, "beta", 1f);
            int rows = transA ? x[1] : x[0];
            int inner = transA ? x[0] : x[1];
            ConstantTensor b = constant(n, 1, "B");
            int[] bd = dims(b);
            if (bd.length != 2 || (transB ? bd[1] : bd[0]) != inner) {
                throw refused(n, "multiplies " + Arrays.toString(x) + (transA ? " (transposed)" : "") + " by B of shape "
                        + Arrays.toString(bd) + (transB ? " (transposed)" : ""));
            }
            int cols = transB ? bd[0] : bd[1];
            double[] c = new double[rows * cols];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                ConstantTensor ct = constant(n, 2, "C");
                double[] cv = ct.values();
                if (cv.length != 1 && cv.length != cols && cv.length != rows * cols) {
                    throw refused(n, "has a C of " + cv.length + " values for an output of " + rows + " x " + cols);
                }
                for (int i = 0; i < c.length; i++) {
                    c[i] = beta * cv[cv.length == 1 ? 0 : cv.length == cols ? i % cols : i];
                }
            }
            double[] bv = b.values();
            int xc = x[1];
            charge(n, (double) rows * cols * inner);
            Kernel k = in -> {
                double[] r = c.clone();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double acc = 0;
                        for (int t = 0; t < inner; t++) {
                            acc += in[0][transA ? t * xc + i : i * xc + t] * bv[transB ? j * inner + t : t * cols + j];
                        }
                        r[i * cols + j] += alpha * acc;
                    }
                }
                return r;
            };
            return record(n, new int[] {rows, cols}, k);
        }

        private Kernel matMul(NodeProto n, int[] x) {
            ConstantTensor b = constant(n, 1, "its second input");
            int[] bd = dims(b);
            if (x.length < 1 || bd.length != 2 || x[x.length - 1] != bd[0]) {
                throw refused(n, "multiplies a value of shape " + Arrays.toString(x) + " by a constant of shape "
                        + Arrays.toString(bd) + "; lola4j evaluates value x matrix");
            }
            int inner = bd[0];
            int cols = bd[1];
            int rows = size(x) / inner;
            int[] out = x.clone();
            out[out.length - 1] = cols;
            double[] bv = b.values();
            charge(n, (double) rows * inner * cols);
            Kernel k = in -> {
                double[] r = new double[rows * cols];
                for (int i = 0; i < rows; i++) {
                    for (int t = 0; t < inner; t++) {
                        double a = in[0][i * inner + t];
                        for (int j = 0; j < cols; j++) {
                            r[i * cols + j] += a * bv[t * cols + j];
                        }
                    }
                }
                return r;
            };
            return record(n, out, k);
        }

        private Kernel pad(NodeProto n, int[] x) {
            String mode = attrString(n, "mode", "constant");
            if (!mode.equals("constant")) {
                throw refused(n, "pads in mode " + mode + "; lola4j evaluates constant padding");
            }
            long[] pads = opset < 11 ? attrInts(n, "pads", new long[0]) : constant(n, 1, "pads").longs();
            double value = opset < 11 ? attrFloat(n, "value", 0f)
                    : n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? scalar(n, 2, "the constant value") : 0;
            int rank = x.length;
            if (pads.length != 2 * rank) {
                throw refused(n, "has " + pads.length + " pads for a value of rank " + rank);
            }
            int[] out = new int[rank];
            for (int i = 0; i < rank; i++) {
                if (pads[i] < 0 || pads[i + rank] < 0 || pads[i] + pads[i + rank] > 4096) {
                    throw refused(n, "has pads " + Arrays.toString(pads) + "; expected each in 0..4096");
                }
                out[i] = x[i] + (int) (pads[i] + pads[i + rank]);
            }
            int total = size(x);
            int outTotal = size(out);
            int[] outStride = new int[rank];
            int s = 1;
            for (int i = rank - 1; i >= 0; i--) {
                outStride[i] = s;
                s *= out[i];
            }
            int offset = 0;
            for (int i = 0; i < rank; i++) {
                offset += (int) pads[i] * outStride[i];
            }
            int start = offset;
            Kernel k = in -> {
                double[] r = new double[outTotal];
                Arrays.fill(r, value);
                int[] idx = new int[rank];
                int dst = start;
                for (int i = 0; i < total; i++) {
                    r[dst] = in[0][i];
                    for (int d = rank - 1; d >= 0; d--) {
                        idx[d]++;
                        dst += outStride[d];
                        if (idx[d] < x[d]) {
                            break;
                        }
                        dst -= outStride[d] * x[d];
                        idx[d] = 0;
                    }
                }
                return r;
            };
            return record(n, out, k);
        }
    }
}
