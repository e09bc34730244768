package io.github.lola4j.onnx;

import static io.github.lola4j.onnx.Attributes.attrFloat;
import static io.github.lola4j.onnx.Attributes.attrInt;
import static io.github.lola4j.onnx.Attributes.attrInts;
import static io.github.lola4j.onnx.Attributes.attrString;
import static io.github.lola4j.onnx.Attributes.attribute;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.lola4j.nn.Affine;
import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.GraphNetwork;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.Layer;
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
import io.github.lola4j.onnx.proto.Onnx.TensorProto;
import io.github.lola4j.onnx.proto.Onnx.TensorShapeProto;
import io.github.lola4j.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports ONNX models (as exported by {@code torch.onnx.export} or tf2onnx, opsets 9 to 21) as
 * lola4j {@link Network}s that the compiler and the plaintext evaluator accept.
 *
 * <p>This first version reads sequential graphs, each node feeding the next, built from the
 * operators an encrypted network can run: Gemm, MatMul followed by an Add of the bias, Conv
 * (groups 1, no dilation), BatchNormalization and Add, Sub, Mul or Div by a constant folded into
 * the Gemm, MatMul or Conv before them, polynomials of degree 2 written with Mul, Add, Sub, Div and
 * Pow (x * x or Pow(x, 2) as a square, a x^2 + b x + c as one polynomial activation), GlobalAveragePool,
 * AveragePool without padding
 * (after PyTorch's all-zero Pad, which is dropped), Flatten, Reshape to a vector, Identity,
 * Dropout and Constant. Anything else is refused with the node's name, its operator and the
 * opset, never imported as a different network. docs/onnx.md lists what is supported.
 */
public final class OnnxModels {

    /** The lowest and highest opsets of the default domain read. */
    public static final int MIN_OPSET = 9;
    /** The highest opset of the default domain read. */
    public static final int MAX_OPSET = 21;

    /** The largest file read (refuses absurd sizes before reading). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    static final String SUPPORTED = "Gemm, MatMul (+ Add of a bias), Conv, BatchNormalization, Add, Sub, Mul, Div"
            + " by constants (one, or one per channel), Add of two computed values (residual), Concat of branches (along"
            + " channels), polynomials of degree 2 in Mul, Add, Sub, Div and Pow (x * x, Pow(x, 2), a * x * x + b * x + c),"
            + " AveragePool, GlobalAveragePool, Pad (all zero), Flatten, Reshape and Transpose (keeping the batch dimension first),"
            + " Identity, Dropout, Constant";

    /** Operators a client can evaluate in its plaintext prefix but the server cannot evaluate encrypted. */
    private static final Set<String> PLAINTEXT_ONLY = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "MaxPool",
            "Softmax", "GlobalMaxPool");

    private OnnxModels() {
    }

    /**
     * Imports a model file. A graph (residual Add, Concat of branches) comes lowered to a sequence
     * ({@link GraphNetwork#toNetwork}) with its carried values' range measured on 16 uniform
     * inputs in [0, 1); for inputs of another range, lower {@link #loadGraph}'s graph on your own
     * samples, or give it to {@code LolaCompiler.compile(GraphNetwork, CompileOptions)} with
     * calibration inputs.
     *
     * @param file the .onnx file
     * @return the network, named after the file; its inputs are used as given (pixel scale 1)
     * @throws IOException when the file cannot be read, is not an ONNX model, or uses what lola4j
     *                     cannot import (the message names the node)
     */
    public static Network load(Path file) throws IOException {
        return lowered(loadGraph(file));
    }

    /**
     * A graph lowered to a sequence as {@link #load} lowers it: a chain as its layers, any other
     * graph with its carried values' range measured on 16 uniform inputs in [0, 1).
     *
     * @param graph the graph
     * @return the sequential network
     */
    public static Network lowered(GraphNetwork graph) {
        return graph.toNetwork(graph.isChain() ? List.of() : uniformInputs(graph.inputShape().size()));
    }

    /** How many inputs a graph's lowering measures its carried values on. */
    static final int RANGE_INPUTS = 16;

    /**
     * Uniform inputs in [0, 1) from a fixed seed: what the compiler draws for a network whose inputs
     * are taken as given, and what {@link #load} measures a graph's carried values on.
     */
    static List<double[]> uniformInputs(int size) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(20190609);
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < RANGE_INPUTS; k++) {
            double[] x = new double[size];
            for (int i = 0; i < size; i++) {
                x[i] = r.nextDouble();
            }
            out.add(x);
        }
        return out;
    }

    /**
     * Imports a model file as a graph: residual Add and Concat of branches stay nodes of their own
     * ({@link #load} returns the graph lowered to a sequence, {@link GraphNetwork#toNetwork}).
     *
     * @param file the .onnx file
     * @return the graph, named after the file; its inputs are used as given (pixel scale 1)
     * @throws IOException as {@link #load(Path)}
     */
    public static GraphNetwork loadGraph(Path file) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        return graphFromBytes(readModelFile(file), file.toString(), name);
    }

    /** A model file's bytes, refusing absurd sizes before reading. */
    static byte[] readModelFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes, larger than the " + MAX_FILE_BYTES + " an ONNX model may have here");
        }
        return Files.readAllBytes(file);
    }

    /**
     * Writes a network as an ONNX model (opset 13), through a temporary file, so that a failed
     * write leaves no partial model. Weights are float tensors when every parameter is a float,
     * else double; the model's metadata travels in {@code metadata_props} and {@link #load}
     * restores it, so a network saved and loaded again is the same network.
     *
     * @param net  the network
     * @param file the .onnx file to create or replace
     * @throws IOException when the file cannot be written
     */
    public static void save(Network net, Path file) throws IOException {
        writeAtomically(toBytes(net), file);
    }

    static void writeAtomically(byte[] bytes, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes a graph network as an ONNX model (opset 13): its layers as {@link #save(Network, Path)}
     * writes them, each add as Add nodes and each concat as a Concat along the channels. Imported
     * again ({@link #loadGraph}), it computes the same function with the same nodes.
     *
     * @param graph the graph
     * @param file  the .onnx file to create or replace
     * @throws IOException when the file cannot be written
     * @throws IllegalArgumentException when a layer has no ONNX form (a general affine layer)
     */
    public static void save(GraphNetwork graph, Path file) throws IOException {
        writeAtomically(toBytes(graph), file);
    }

    /**
     * A graph network as ONNX model bytes (see {@link #save(GraphNetwork, Path)}).
     *
     * @param graph the graph
     * @return the protobuf
     */
    public static byte[] toBytes(GraphNetwork graph) {
        return OnnxExport.toModel(graph).toByteArray();
    }

    /**
     * A network as ONNX model bytes (see {@link #save}).
     *
     * @param net the network
     * @return the protobuf
     */
    public static byte[] toBytes(Network net) {
        return OnnxExport.toModel(net).toByteArray();
    }

    /**
     * Imports a model's bytes.
     *
     * @param bytes  the ONNX protobuf
     * @param source a name for messages
     * @param name   the network's name (1..200 characters), unless the model was written by lola4j,
     *               whose metadata names it
     * @return the network
     * @throws IOException as {@link #load(Path)}
     */
    public static Network fromBytes(byte[] bytes, String source, String name) throws IOException {
        return lowered(graphFromBytes(bytes, source, name));
    }

    /**
     * Imports a model's bytes as a graph (see {@link #loadGraph}).
     *
     * @param bytes  the ONNX protobuf
     * @param source a name for messages
     * @param name   the network's name, unless the model was written by lola4j
     * @return the graph
     * @throws IOException as {@link #load(Path)}
     */
    public static GraphNetwork graphFromBytes(byte[] bytes, String source, String name) throws IOException {
        ModelProto model = parse(bytes, source);
        int opset = opset(model, source);
        try {
            ModelInfo written = OnnxExport.info(model);
            ModelInfo info = written != null ? written : ModelInfo.untrained(name, "unknown", InputNormalization.pixelScale(1.0));
            return new Importer(model.getGraph(), source, opset).network(info);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * A model cut in two where the client stops computing in plaintext and encrypts: the client
     * runs {@code clientPrefix} on its own data, encrypts the prefix's output and sends it; the
     * server evaluates {@code encryptedSuffix}. This is how a client keeps a ReLU or max-pooling
     * feature extractor (or a whole ImageNet network) while the part the server keeps private is
     * polynomial.
     *
     * @param clientPrefix    the plaintext part, ending in the value the client encrypts
     * @param encryptedSuffix the encrypted part, as a network whose input is that value
     */
    public record Split(OnnxGraph clientPrefix, Network encryptedSuffix) {
    }

    /**
     * Reads a model file as a {@link Split}.
     *
     * @param file        the .onnx file
     * @param encryptFrom where encryption starts: the name of a value (the client encrypts it), or
     *                    of a node (the first node the server evaluates; the client encrypts its first input)
     * @return the two parts
     * @throws IOException when the model cannot be read, no value or node has that name, the parts
     *                     meet in more than that value, or a part holds what it cannot evaluate (the
     *                     message names the node)
     */
    public static Split split(Path file, String encryptFrom) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        return split(readModelFile(file), file.toString(), name, encryptFrom);
    }

    /**
     * Reads a model's bytes as a {@link Split} (see {@link #split(Path, String)}).
     *
     * @param bytes       the ONNX protobuf
     * @param source      a name for messages
     * @param name        the encrypted part's name, unless the model names it
     * @param encryptFrom where encryption starts: a value's or a node's name
     * @return the two parts
     * @throws IOException as {@link #split(Path, String)}
     */
    public static Split split(byte[] bytes, String source, String name, String encryptFrom) throws IOException {
        ModelProto model = parse(bytes, source);
        int opset = opset(model, source);
        GraphProto g = model.getGraph();
        String cut = cutValue(g, encryptFrom, source);
        OnnxGraph prefix = OnnxGraph.build(model, source, cut);
        int[] dims = prefix.outputDims();
        Shape shape;
        try {
            shape = Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": the value " + cut + " has shape " + java.util.Arrays.toString(dims), e);
        }
        Set<NodeProto> before = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        before.addAll(prefix.nodes());
        try {
            ModelInfo written = OnnxExport.info(model);
            ModelInfo info = written != null ? written : ModelInfo.untrained(name, "unknown", InputNormalization.pixelScale(1.0));
            return new Split(prefix, new Importer(g, source, opset).suffix(info, cut, shape, before).toNetwork(List.of()));
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /** The value the client encrypts, given a value's name or the name of the first node evaluated encrypted. */
    private static String cutValue(GraphProto g, String encryptFrom, String source) throws IOException {
        for (NodeProto n : g.getNodeList()) {
            if (n.getOutputList().contains(encryptFrom)) {
                return encryptFrom;
            }
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getName().equals(encryptFrom) && n.getInputCount() > 0) {
                return n.getInput(0);
            }
        }
        throw new IOException(source + ": no value or node is named \"" + encryptFrom + "\" (--encrypt-from names the"
                + " first node evaluated encrypted, or the value the client encrypts)");
    }

    /**
     * The graph's one input that is not an initializer.
     *
     * @param what what lola4j does with a graph, for the refusal ("imports networks")
     */
    static ValueInfoProto graphInput(GraphProto graph, Map<String, TensorProto> initializers, String source, String what)
            throws IOException {
        ValueInfoProto in = null;
        for (ValueInfoProto v : graph.getInputList()) {
            if (!initializers.containsKey(v.getName())) {
                if (in != null) {
                    throw new IOException(source + ": the graph has several inputs (" + in.getName() + ", " + v.getName()
                            + "); lola4j " + what + " of one input");
                }
                in = v;
            }
        }
        if (in == null) {
            throw new IOException(source + ": the graph has no input");
        }
        return in;
    }

    /** Parses a model's bytes. */
    static ModelProto parse(byte[] bytes, String source) throws IOException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        if (!model.hasGraph()) {
            throw new IOException(source + ": not an ONNX model (no graph)");
        }
        return model;
    }

    static int opset(ModelProto model, String source) throws IOException {
        int opset = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IOException(source + ": " + (opset < 0 ? "no opset of the default domain" : "opset " + opset)
                    + ", lola4j imports opsets " + MIN_OPSET + " to " + MAX_OPSET);
        }
        return opset;
    }

    /** One import: walks the nodes in order, the output of each feeding the next. */
    private static final class Importer {
        private final GraphProto graph;
        private final String source;
        private final int opset;
        private final Map<String, TensorProto> constants = new HashMap<>();
        /** The graph built so far; the current chain's layers wait in {@link #layers} until it ends. */
        private GraphNetwork.Builder builder;
        /** The graph node the current chain starts from. */
        private int chainStart;
        /** The layers of the current chain, and the ONNX node each came from (for names). */
        private final List<Layer> layers = new ArrayList<>();
        private final List<String> layerNames = new ArrayList<>();
        /** The graph node of every value that is one (forks, merges, ends of chains). */
        private final Map<String, Integer> nodeOf = new HashMap<>();
        private final Map<String, Shape> shapeOf = new HashMap<>();
        private final Set<String> names = new java.util.HashSet<>();
        /** The ONNX node being imported. */
        private String nodeName = "";
        private String current;
        private Shape shape;
        /** A MatMul's weights, waiting for the Add of its bias. */
        private double[] pendingWeights;
        private int pendingIn;
        private int pendingOut;
        private NodeProto pendingNode;
        /** Whether the last layer is a Dense or Conv2d whose output is the current value (constants fold into it). */
        private boolean lastIsLinear;
        /**
         * When the last layer is a per-channel affine layer made here (a constant or batch
         * normalization with no linear layer before it): its scale and shift, which the next such
         * operation combines with rather than adding a layer.
         */
        private double[] channelScale;
        private double[] channelShift;
        /** When the last layer is a zero Pad made here: its top, left, bottom and right, and the shape it padded. */
        private int[] padding;
        private Shape padded;
        /**
         * Values computed element-wise from the current value x as polynomials c0 + c1 x + c2 x^2
         * (scalar coefficients): a region of Mul, Add, Sub, Div and Pow nodes that becomes one
         * square or polynomial activation when a node of another kind reads one of them.
         */
        private final Map<String, double[]> polynomials = new HashMap<>();
        /** The value the polynomial region computed last: its result when the next node reads none of its values (a branch starts). */
        private String lastPolynomial;
        /** How many inputs of nodes (and graph outputs) read each value. */
        private final Map<String, Integer> readers = new HashMap<>();
        /** How many distinct nodes (and graph outputs) read each value: more than one is a fork. */
        private final Map<String, Integer> readerNodes = new HashMap<>();

        Importer(GraphProto graph, String source, int opset) {
            this.graph = graph;
            this.source = source;
            this.opset = opset;
        }

        GraphNetwork network(ModelInfo info) throws IOException {
            countReaders();
            for (TensorProto t : graph.getInitializerList()) {
                constants.put(t.getName(), t);
            }
            Shape input = input();
            start(current, input);
            for (NodeProto n : graph.getNodeList()) {
                node(n);
            }
            return finish(info);
        }

        /** Starts the graph at its input value. */
        private void start(String value, Shape in) {
            builder = GraphNetwork.builder(in);
            names.add("input");
            chainStart = builder.input();
            nodeOf.put(value, chainStart);
            shapeOf.put(value, in);
            current = value;
            shape = in;
        }

        /**
         * The part of the graph after {@code start}: the nodes not in {@code before}, which must
         * read nothing the prefix computed except {@code start}.
         */
        GraphNetwork suffix(ModelInfo info, String start, Shape startShape, Set<NodeProto> before) throws IOException {
            countReaders();
            for (TensorProto t : graph.getInitializerList()) {
                constants.put(t.getName(), t);
            }
            Set<String> prefixValues = new java.util.HashSet<>();
            for (NodeProto n : before) {
                prefixValues.addAll(n.getOutputList());
            }
            for (ValueInfoProto v : graph.getInputList()) {
                prefixValues.add(v.getName());
            }
            prefixValues.remove(start);
            start(start, startShape);
            for (NodeProto n : graph.getNodeList()) {
                if (before.contains(n)) {
                    continue;
                }
                for (String i : n.getInputList()) {
                    if (prefixValues.contains(i) && !constants.containsKey(i)) {
                        throw refused(n, "is evaluated encrypted but reads " + i + ", which the client-side part computes;"
                                + " the two parts must meet in the one value encrypted (" + start + "): encrypt from a node"
                                + " every path passes through");
                    }
                }
                node(n);
            }
            return finish(info);
        }

        private void countReaders() {
            for (NodeProto n : graph.getNodeList()) {
                for (String i : n.getInputList()) {
                    readers.merge(i, 1, Integer::sum);
                }
                for (String i : new java.util.HashSet<>(n.getInputList())) {
                    readerNodes.merge(i, 1, Integer::sum);
                }
            }
            for (ValueInfoProto o : graph.getOutputList()) {
                readers.merge(o.getName(), 1, Integer::sum);
                readerNodes.merge(o.getName(), 1, Integer::sum);
            }
        }

        private GraphNetwork finish(ModelInfo info) throws IOException {
            if (!polynomials.isEmpty() && graph.getOutputCount() == 1) {
                closePolynomial(null, graph.getOutput(0).getName());
            }
            endChain();
            if (graph.getOutputCount() != 1 || !graph.getOutput(0).getName().equals(current)) {
                throw new IOException(source + ": the graph's output is not the last node's (lola4j imports graphs with one"
                        + " output, computed by the last node)");
            }
            if (chainStart == builder.input()) {
                throw new IOException(source + ": the graph has no layer lola4j can evaluate");
            }
            try {
                return builder.build(info);
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": " + e.getMessage(), e);
            }
        }

        /**
         * Ends the current chain: its layers become graph nodes and the current value a node of its
         * own, which later nodes may read (a fork, a merge, a branch) and nothing folds into.
         */
        private void endChain() {
            flushMatMul();
            for (int i = 0; i < layers.size(); i++) {
                chainStart = builder.layer(unique(layerNames.get(i)), layers.get(i), chainStart);
            }
            layers.clear();
            layerNames.clear();
            lastIsLinear = false;
            channelScale = null;
            padding = null;
            nodeOf.put(current, chainStart);
            shapeOf.put(current, shape);
        }

        /** A graph node's name: the name given, or with "#2", "#3", ... when taken. */
        private String unique(String name) {
            String unique = name;
            for (int k = 2; !names.add(unique); k++) {
                unique = name + "#" + k;
            }
            return unique;
        }

        /** An ONNX node's name, or its output's when it has none. */
        private static String nameOf(NodeProto n) {
            return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
        }

        /** The graph node of a value a merge or a branch reads, ending the current chain first when it is that value. */
        private int graphNode(NodeProto n, String value) throws IOException {
            if (value.equals(current)) {
                endChain();
            }
            Integer id = nodeOf.get(value);
            if (id == null) {
                throw refused(n, "reads " + value + ", which lola4j folded into the layers around it (only values read"
                        + " by more than one node, and the ends of chains, can be read again)");
            }
            return id;
        }

        /** A residual Add of two computed values, or a Concat of branches: a graph node. */
        private void merge(NodeProto n, boolean concat) throws IOException {
            if (concat) {
                long axis = attrInt(n, "axis", 1);
                int rank = shapeOf.containsKey(n.getInput(0)) ? shapeOf.get(n.getInput(0)).rank()
                        : n.getInput(0).equals(current) ? shape.rank() : -1;
                if (axis != 1 && axis != -rank) {
                    throw refused(n, "joins along axis " + axis + "; lola4j joins along the first axis after the batch"
                            + " (channels)");
                }
            }
            int[] from = new int[n.getInputCount()];
            for (int i = 0; i < from.length; i++) {
                if (constants.containsKey(n.getInput(i))) {
                    throw refused(n, "joins a constant " + n.getInput(i) + " with computed values; lola4j joins computed values only");
                }
                from[i] = graphNode(n, n.getInput(i));
            }
            int id;
            try {
                id = concat ? builder.concat(unique(nameOf(n)), from) : builder.add(unique(nameOf(n)), from);
            } catch (IllegalArgumentException e) {
                throw refused(n, e.getMessage());
            }
            chainStart = id;
            current = n.getOutput(0);
            shape = builder.shape(id);
            nodeOf.put(current, id);
            shapeOf.put(current, shape);
        }

        private Shape input() throws IOException {
            ValueInfoProto in = graphInput(graph, constants, source, "imports networks");
            current = in.getName();
            TensorShapeProto s = in.getType().getTensorType().getShape();
            if (s.getDimCount() < 2) {
                throw new IOException(source + ": input " + in.getName() + " has " + s.getDimCount()
                        + " dimensions; expected a batch dimension and 1 to 3 more");
            }
            int[] dims = new int[s.getDimCount() - 1];
            for (int i = 1; i < s.getDimCount(); i++) {
                TensorShapeProto.Dimension d = s.getDim(i);
                if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > Integer.MAX_VALUE) {
                    throw new IOException(source + ": input " + in.getName() + " has no fixed size in dimension " + i);
                }
                dims[i - 1] = (int) d.getDimValue();
            }
            return Shape.of(dims);
        }

        private IOException refused(NodeProto n, String why) {
            return new IOException(source + ": node \"" + n.getName() + "\" (" + n.getOpType() + ", opset " + opset + ") " + why);
        }

        private void node(NodeProto n) throws IOException {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw refused(n, "is of domain " + n.getDomain() + "; lola4j imports the default ONNX domain");
            }
            String op = n.getOpType();
            if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) {
                throw refused(n, "has no output");
            }
            if (op.equals("Constant")) {
                AttributeProto v = attribute(n, "value");
                if (v == null || !v.hasT()) {
                    throw refused(n, "holds no tensor value");
                }
                constants.put(n.getOutput(0), v.getT());
                return;
            }
            nodeName = nameOf(n);
            branch(n);
            if (polynomial(n)) {
                return;
            }
            if (!polynomials.isEmpty()) {
                String result = lastPolynomial;
                for (String in : n.getInputList()) {
                    if (polynomials.containsKey(in)) {
                        result = in;
                        break;
                    }
                }
                closePolynomial(n, result);
            }
            if ((op.equals("Add") && n.getInputCount() == 2 && !constants.containsKey(n.getInput(0))
                    && !constants.containsKey(n.getInput(1))) || op.equals("Concat")) {
                merge(n, op.equals("Concat"));
                endChainAtFork();
                return;
            }
            boolean constantFirst = (op.equals("Mul") || op.equals("Add")) && n.getInputCount() == 2
                    && n.getInput(1).equals(current) && constants.containsKey(n.getInput(0));
            if (!constantFirst && (n.getInputCount() == 0 || !n.getInput(0).equals(current))) {
                if (n.getInputCount() == 0 || !nodeOf.containsKey(n.getInput(0))) {
                    throw refused(n, "does not take the previous node's output " + current + " as its first input, nor a value"
                            + " read by several nodes; lola4j imports chains of nodes joined by Add and Concat");
                }
                // a branch from a value computed before
                String from = n.getInput(0);
                endChain();
                chainStart = nodeOf.get(from);
                current = from;
                shape = shapeOf.get(from);
            }
            String operand = n.getInputCount() < 2 ? null : n.getInput(constantFirst ? 0 : 1);
            if (!op.equals("Add")) {
                flushMatMul();
            }
            switch (op) {
                case "Gemm" -> gemm(n);
                case "MatMul" -> matMul(n);
                case "Add" -> {
                    if (pendingWeights != null) {
                        bias(n, operand);
                    } else {
                        affine(n, operand, false, false);
                    }
                }
                case "Sub" -> affine(n, operand, false, true);
                case "Div" -> affine(n, operand, true, true);
                case "Conv" -> conv(n);
                case "Mul" -> affine(n, operand, true, false);
                case "GlobalAveragePool" -> globalAveragePool(n);
                case "Pow" -> throw refused(n, "raises x to a power other than 2 (or of a tensor); lola4j imports x^2");
                case "AveragePool" -> averagePool(n);
                case "Pad" -> pad(n);
                case "BatchNormalization" -> batchNorm(n);
                case "Flatten" -> flatten(n);
                case "Reshape" -> reshape(n);
                case "Transpose" -> transpose(n);
                case "Identity", "Dropout" -> {
                    // the identity at inference
                }
                default -> throw refused(n, "is not supported for encrypted evaluation; supported: " + SUPPORTED
                        + (PLAINTEXT_ONLY.contains(op) ? ". " + op + " can run on the client, in plaintext: encrypt from a node"
                        + " after it (OnnxModels.split, or --encrypt-from on the command line)" : ""));
            }
            current = n.getOutput(0);
            endChainAtFork();
        }

        /**
         * Starts a branch when the node reads neither the current value nor the polynomial region's
         * values, but a value computed before (a graph node): the current chain ends (its region
         * closed at the value it computed last) and the node continues from that value.
         */
        private void branch(NodeProto n) throws IOException {
            String from = null;
            for (String in : n.getInputList()) {
                if (in.equals(current) || polynomials.containsKey(in)) {
                    return;
                }
                if (from == null && !in.isEmpty() && !constants.containsKey(in)) {
                    from = in;
                }
            }
            boolean merge = n.getOpType().equals("Concat") || (n.getOpType().equals("Add") && n.getInputCount() == 2
                    && !constants.containsKey(n.getInput(0)) && !constants.containsKey(n.getInput(1)));
            if (from == null || merge || !nodeOf.containsKey(from)) {
                return;
            }
            if (!polynomials.isEmpty()) {
                closePolynomial(n, lastPolynomial);
            }
            endChain();
            chainStart = nodeOf.get(from);
            current = from;
            shape = shapeOf.get(from);
        }

        /** A value several nodes read becomes a graph node: nothing after it folds into the layer before. */
        private void endChainAtFork() {
            if (readerNodes.getOrDefault(current, 0) > 1 && polynomials.isEmpty()) {
                endChain();
            }
        }

        /**
         * Takes an element-wise node into the polynomial region when it computes from x (the
         * current value) or from the region's values and scalar constants only, unless it is a
         * constant operation directly on x that folds into the linear layer before (x read once).
         *
         * @return whether the node was taken
         */
        private boolean polynomial(NodeProto n) throws IOException {
            String op = n.getOpType();
            if (!(op.equals("Mul") || op.equals("Add") || op.equals("Sub") || op.equals("Div") || op.equals("Pow"))
                    || n.getInputCount() != 2 || (op.equals("Add") && pendingWeights != null)) {
                return false;
            }
            double[][] operands = new double[2][];
            boolean fromX = false;
            for (int i = 0; i < 2; i++) {
                String in = n.getInput(i);
                if (in.equals(current)) {
                    operands[i] = new double[] {0, 1, 0};
                    fromX = true;
                } else if (polynomials.containsKey(in)) {
                    operands[i] = polynomials.get(in);
                    fromX = true;
                } else if (constants.containsKey(in)) {
                    double[] v;
                    try {
                        v = ConstantTensor.of(constants.get(in)).values();
                    } catch (IllegalArgumentException e) {
                        throw refused(n, e.getMessage());
                    }
                    if (v.length != 1) {
                        return false; // a per-channel constant: only the fold into the layer before takes it
                    }
                    operands[i] = new double[] {v[0], 0, 0};
                } else {
                    return false;
                }
            }
            if (!fromX) {
                return false;
            }
            boolean onX = polynomials.isEmpty() && (n.getInput(0).equals(current) ^ n.getInput(1).equals(current));
            if (onX && lastIsLinear && readers.getOrDefault(current, 0) == 1 && !op.equals("Pow")) {
                return false; // x (op) c right after a linear layer: folded into it, as before
            }
            if (!op.equals("Pow")) {
                flushMatMul();
            }
            double[] a = operands[0];
            double[] b = operands[1];
            double[] r;
            switch (op) {
                case "Add" -> r = new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
                case "Sub" -> r = new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
                case "Mul" -> {
                    r = new double[] {a[0] * b[0], a[0] * b[1] + a[1] * b[0], a[0] * b[2] + a[1] * b[1] + a[2] * b[0]};
                    if (a[1] * b[2] + a[2] * b[1] != 0 || a[2] * b[2] != 0) {
                        throw refused(n, "makes a polynomial of degree 3 or more; lola4j imports activations of degree 2");
                    }
                }
                case "Div" -> {
                    if (b[1] != 0 || b[2] != 0 || b[0] == 0) {
                        throw refused(n, "divides by " + (b[0] == 0 ? "0" : "a value, not a constant"));
                    }
                    r = new double[] {a[0] / b[0], a[1] / b[0], a[2] / b[0]};
                }
                default -> { // Pow
                    if (b[1] != 0 || b[2] != 0 || b[0] != 2 || a[2] != 0) {
                        throw refused(n, "raises x to a power other than 2 (or of a tensor); lola4j imports x^2");
                    }
                    r = new double[] {a[0] * a[0], 2 * a[0] * a[1], a[1] * a[1]};
                }
            }
            for (double c : r) {
                if (!Double.isFinite(c)) {
                    throw refused(n, "makes a coefficient " + c);
                }
            }
            polynomials.put(n.getOutput(0), r);
            lastPolynomial = n.getOutput(0);
            return true;
        }

        /**
         * Ends the polynomial region: the value {@code result} (read by node n, or the graph's
         * output when n is null) becomes the current value through a square, a polynomial
         * activation, or nothing when it is x itself.
         */
        private void closePolynomial(NodeProto n, String result) throws IOException {
            double[] c = result == null ? null : polynomials.get(result);
            polynomials.clear();
            if (c == null) {
                if (n == null) {
                    throw new IOException(source + ": the graph's output is not the last node's (lola4j imports graphs with"
                            + " one output, computed by the last node)");
                }
                throw refused(n, "reads none of the values the polynomial before it computed; lola4j imports chains of"
                        + " nodes joined by Add and Concat");
            }
            if (c[2] == 1 && c[1] == 0 && c[0] == 0) {
                add(Square.INSTANCE, shape);
            } else if (c[2] != 0 || c[1] != 1 || c[0] != 0) {
                add(PolyActivation.of(c[2], c[1], c[0]), shape);
            }
            current = result;
            endChainAtFork();
        }

        private void add(Layer l, Shape out) {
            layers.add(l);
            layerNames.add(nodeName);
            lastIsLinear = l instanceof Dense || l instanceof Conv2d;
            channelScale = null;
            padding = null;
            shape = out;
        }

        private void gemm(NodeProto n) throws IOException {
            if (attrInt(n, "transA", 0) != 0) {
                throw refused(n, "has transA = 1; expected the input as A");
            }
            float alpha = attrFloat(n, "alpha", 1f);
            float beta = attrFloat(n, "beta", 1f);
            boolean transB = attrInt(n, "transB", 0) != 0;
            int in = vectorInput(n);
            ConstantTensor b = constant(n, 1, "B");
            if (b.dims().length != 2) {
                throw refused(n, "has a B of " + b.dims().length + " dimensions, expected 2");
            }
            int out = (int) (transB ? b.dims()[0] : b.dims()[1]);
            if ((transB ? b.dims()[1] : b.dims()[0]) != in) {
                throw refused(n, "takes " + in + " inputs but B is " + b.dims()[0] + " x " + b.dims()[1] + (transB ? " (transposed)" : ""));
            }
            double[] w = new double[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    w[o * in + i] = alpha * b.values()[transB ? o * in + i : i * out + o];
                }
            }
            double[] bias = new double[out];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                ConstantTensor c = constant(n, 2, "C");
                if (c.values().length == out) {
                    for (int o = 0; o < out; o++) {
                        bias[o] = beta * c.values()[o];
                    }
                } else if (c.values().length == 1) {
                    java.util.Arrays.fill(bias, beta * c.values()[0]);
                } else {
                    throw refused(n, "has a C of " + c.values().length + " values, expected " + out + " or 1");
                }
            }
            add(Dense.of(in, out, w, bias), Shape.of(out));
        }

        private void matMul(NodeProto n) throws IOException {
            int in = vectorInput(n);
            ConstantTensor b = constant(n, 1, "its second input");
            if (b.dims().length != 2 || b.dims()[0] != in) {
                throw refused(n, "multiplies " + in + " inputs by a matrix of shape " + java.util.Arrays.toString(b.dims()));
            }
            int out = (int) b.dims()[1];
            double[] w = new double[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    w[o * in + i] = b.values()[i * out + o];
                }
            }
            pendingWeights = w;
            pendingIn = in;
            pendingOut = out;
            pendingNode = n;
            shape = Shape.of(out);
        }

        /** A MatMul not followed by the Add of its bias becomes a dense layer without bias. */
        private void flushMatMul() {
            if (pendingWeights != null) {
                layers.add(Dense.of(pendingIn, pendingOut, pendingWeights, new double[pendingOut]));
                layerNames.add(nameOf(pendingNode));
                lastIsLinear = true;
                pendingWeights = null;
                pendingNode = null;
            }
        }

        private void bias(NodeProto n, String operand) throws IOException {
            if (pendingWeights == null) {
                throw refused(n, "adds to something other than a MatMul's output; lola4j imports Add as a MatMul's bias"
                        + " (residual Add comes with graph networks)");
            }
            ConstantTensor c = constant(n, operand != null && operand.equals(n.getInput(0)) ? 0 : 1, "the bias");
            if (c.values().length != pendingOut) {
                throw refused(n, "adds " + c.values().length + " values to the " + pendingOut + " outputs of " + pendingNode.getName());
            }
            layers.add(Dense.of(pendingIn, pendingOut, pendingWeights, c.values()));
            layerNames.add(nameOf(pendingNode));
            lastIsLinear = true;
            pendingWeights = null;
            pendingNode = null;
        }

        private void conv(NodeProto n) throws IOException {
            long groups = attrInt(n, "group", 1);
            for (long d : attrInts(n, "dilations", new long[] {1, 1})) {
                if (d != 1) {
                    throw refused(n, "is dilated; lola4j imports convolutions without dilation");
                }
            }
            String autoPad = attrString(n, "auto_pad", "NOTSET");
            if (!autoPad.equals("NOTSET")) {
                throw refused(n, "has auto_pad = " + autoPad + "; expected explicit pads");
            }
            if (shape.rank() != 3) {
                throw refused(n, "takes an input of shape " + shape + "; expected channels x rows x columns");
            }
            ConstantTensor w = constant(n, 1, "W");
            if (groups < 1 || shape.dim(0) % groups != 0 || w.dims().length != 4 || w.dims()[0] % groups != 0
                    || w.dims()[1] * groups != shape.dim(0)) {
                throw refused(n, "has weights of shape " + java.util.Arrays.toString(w.dims()) + " in " + groups
                        + " group(s) for an input of shape " + shape);
            }
            if (groups > 1) {
                if (w.dims()[0] * shape.dim(0) * w.dims()[2] * w.dims()[3] > 1L << 28) {
                    throw refused(n, "has " + groups + " groups whose weights as one convolution would be more than 2^28");
                }
                w = blockDiagonal(w, (int) groups);
            }
            long[] strides = attrInts(n, "strides", new long[] {1, 1});
            long[] pads = attrInts(n, "pads", new long[] {0, 0, 0, 0});
            if (strides.length != 2 || pads.length != 4) {
                throw refused(n, "is not a 2-D convolution");
            }
            int[] fold = {0, 0, 0, 0};
            if (padding != null) {
                // the zero Pad before (PyTorch's padding mode, an explicit F.pad) becomes the convolution's own
                fold = padding;
                layers.remove(layers.size() - 1);
                layerNames.remove(layerNames.size() - 1);
                shape = padded;
                padding = null;
            }
            Conv2d.Geometry g = new Conv2d.Geometry((int) w.dims()[1], (int) w.dims()[0], (int) w.dims()[2], (int) w.dims()[3],
                    (int) strides[0], (int) strides[1], (int) pads[0] + fold[0], (int) pads[2] + fold[2], (int) pads[1] + fold[1],
                    (int) pads[3] + fold[3]);
            double[] bias = new double[(int) w.dims()[0]];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                ConstantTensor b = constant(n, 2, "B");
                if (b.values().length != bias.length) {
                    throw refused(n, "has " + b.values().length + " biases for " + bias.length + " output channels");
                }
                bias = b.values();
            }
            Conv2d c = Conv2d.of(g, w.values(), bias);
            add(c, c.outputShape(shape));
        }

        /**
         * A grouped convolution's weights [out][in / groups][kh][kw] as one group's, [out][in][kh][kw]:
         * output channel o reads only the input channels of its group, the other weights are zero
         * (which the compiler's sparse maps skip). A depthwise convolution is the case in = groups.
         */
        private static ConstantTensor blockDiagonal(ConstantTensor w, int groups) {
            long[] d = w.dims();
            int out = (int) d[0];
            int inPerGroup = (int) d[1];
            int taps = (int) (d[2] * d[3]);
            int in = inPerGroup * groups;
            double[] v = w.values();
            double[] full = new double[out * in * taps];
            int outPerGroup = out / groups;
            for (int o = 0; o < out; o++) {
                int first = (o / outPerGroup) * inPerGroup;
                for (int i = 0; i < inPerGroup; i++) {
                    System.arraycopy(v, (o * inPerGroup + i) * taps, full, (o * in + first + i) * taps, taps);
                }
            }
            return new ConstantTensor(new long[] {out, in, d[2], d[3]}, full);
        }

        private void averagePool(NodeProto n) throws IOException {
            if (attrInt(n, "ceil_mode", 0) != 0) {
                throw refused(n, "has ceil_mode = 1; lola4j imports pooling windows that fit the input");
            }
            long[] pads = attrInts(n, "pads", new long[] {0, 0, 0, 0});
            boolean padded = false;
            for (long p : pads) {
                padded |= p != 0;
            }
            if (padded) {
                // counting the padding, the pooling of the zero-padded image; not counting it, a divisor per position
                if (attrInt(n, "count_include_pad", 0) != 1 || pads.length != 4 || shape.rank() != 3) {
                    throw refused(n, "pads its input without counting the padding (count_include_pad = 0); lola4j imports"
                            + " average pooling without padding or with count_include_pad = 1");
                }
                for (long p : pads) {
                    if (p < 0 || p > 1 << 16) {
                        throw refused(n, "pads by " + java.util.Arrays.toString(pads));
                    }
                }
                zeroPad((int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3]);
            }
            long[] k = attrInts(n, "kernel_shape", null);
            if (k == null || k.length != 2) {
                throw refused(n, "is not a 2-D pooling");
            }
            long[] s = attrInts(n, "strides", new long[] {1, 1});
            if (s.length != 2) {
                throw refused(n, "has " + s.length + " strides for a 2-D pooling");
            }
            for (long v : new long[] {k[0], k[1], s[0], s[1]}) {
                if (v < 1 || v > Integer.MAX_VALUE) {
                    throw refused(n, "has a window or stride of " + v);
                }
            }
            AvgPool p = AvgPool.of((int) k[0], (int) k[1], (int) s[0], (int) s[1]);
            add(p, p.outputShape(shape));
        }

        /** PyTorch writes an average pool as a Pad of zeros before it: an all-zero Pad is dropped. */
        private void pad(NodeProto n) throws IOException {
            String mode = attrString(n, "mode", "constant");
            long[] pads = opset < 11 ? attrInts(n, "pads", new long[0]) : constant(n, 1, "pads").longs();
            double value = opset < 11 ? attrFloat(n, "value", 0f)
                    : n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2, "the constant value").values()[0] : 0;
            if (!mode.equals("constant") || value != 0) {
                throw refused(n, "pads with " + (mode.equals("constant") ? "the value " + value : "mode " + mode)
                        + "; lola4j imports padding with zeros");
            }
            boolean none = true;
            for (long p : pads) {
                none &= p == 0;
            }
            if (none) {
                return;
            }
            if (shape.rank() != 3 || pads.length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0
                    || pads[2] < 0 || pads[3] < 0 || pads[6] < 0 || pads[7] < 0 || pads[2] + pads[6] > 1 << 16
                    || pads[3] + pads[7] > 1 << 16) {
                throw refused(n, "pads by " + java.util.Arrays.toString(pads) + " a value of shape " + shape + "; lola4j imports"
                        + " zero padding of the rows and columns of an image");
            }
            zeroPad((int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7]);
        }

        /** Zero padding of the current image's rows and columns, as an affine layer (a convolution after it takes it in). */
        private void zeroPad(int top, int left, int bottom, int right) {
            int h = shape.dim(1);
            int w = shape.dim(2);
            Shape to = Shape.of(shape.dim(0), h + top + bottom, w + left + right);
            int[] from = new int[to.size()];
            for (int o = 0; o < to.size(); o++) {
                int c = o / (to.dim(1) * to.dim(2));
                int y = o / to.dim(2) % to.dim(1) - top;
                int x = o % to.dim(2) - left;
                from[o] = y >= 0 && y < h && x >= 0 && x < w ? (c * h + y) * w + x : -1;
            }
            Shape before = shape;
            add(moved(to, from, null, null), to);
            // a convolution that reads this value alone takes the padding into its own
            padding = new int[] {top, left, bottom, right};
            padded = before;
        }

        /**
         * Inference-time batch normalization, y = gamma (x - mean) / sqrt(var + eps) + beta per
         * channel, folded into the linear layer before it: its weights of channel c scaled by
         * s_c = gamma_c / sqrt(var_c + eps), its bias becoming (b_c - mean_c) s_c + beta_c.
         */
        private void batchNorm(NodeProto n) throws IOException {
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                throw refused(n, "is in training mode (it outputs running statistics); export the model in eval mode");
            }
            int channels = channels(n);
            double eps = attrFloat(n, "epsilon", 1e-5f);
            double[] gamma = channelValues(n, 1, "scale", channels);
            double[] beta = channelValues(n, 2, "B", channels);
            double[] mean = channelValues(n, 3, "the mean", channels);
            double[] var = channelValues(n, 4, "the variance", channels);
            double[] scale = new double[channels];
            double[] shift = new double[channels];
            for (int c = 0; c < channels; c++) {
                if (!(var[c] + eps > 0)) {
                    throw refused(n, "has variance " + var[c] + " in channel " + c);
                }
                scale[c] = gamma[c] / Math.sqrt(var[c] + eps);
                shift[c] = beta[c] - mean[c] * scale[c];
            }
            foldIntoLast(scale, shift);
        }

        /** The channels of the current value (of an image) or its entries (of a vector): what per-channel constants address. */
        private int channels(NodeProto n) throws IOException {
            if (shape.rank() != 1 && shape.rank() != 3) {
                throw refused(n, "applies per-channel constants to a value of shape " + shape + "; expected channels x rows x"
                        + " columns or a vector");
            }
            return shape.dim(0);
        }

        /**
         * Applies y = scale_c x + shift_c per channel: folded into the linear layer before when there
         * is one (and only this node reads its output), else as an affine layer of its own.
         */
        private void foldIntoLast(double[] scale, double[] shift) {
            if (!lastIsLinear) {
                if (channelScale != null && channelScale.length == scale.length) {
                    double[] s2 = new double[scale.length];
                    double[] b2 = new double[scale.length];
                    for (int c = 0; c < scale.length; c++) {
                        s2[c] = scale[c] * channelScale[c];
                        b2[c] = scale[c] * channelShift[c] + shift[c];
                    }
                    layers.remove(layers.size() - 1);
                    layerNames.remove(layerNames.size() - 1);
                    scale = s2;
                    shift = b2;
                }
                int size = shape.size();
                int plane = size / scale.length;
                int[] from = new int[size];
                double[] w = new double[size];
                double[] b = new double[size];
                for (int i = 0; i < size; i++) {
                    from[i] = i;
                    w[i] = scale[i / plane];
                    b[i] = shift[i / plane];
                }
                add(moved(shape, from, w, b), shape);
                channelScale = scale;
                channelShift = shift;
                return;
            }
            Layer last = layers.get(layers.size() - 1);
            int channels = scale.length;
            double[] bias = new double[channels];
            Layer folded;
            if (last instanceof Dense d) {
                double[][] w = d.weights();
                for (int o = 0; o < channels; o++) {
                    for (int i = 0; i < w[o].length; i++) {
                        w[o][i] *= scale[o];
                    }
                    bias[o] = d.bias(o) * scale[o] + shift[o];
                }
                folded = Dense.of(w, bias);
            } else {
                Conv2d c = (Conv2d) last;
                double[] w = c.flatWeights();
                int perChannel = w.length / channels;
                for (int o = 0; o < channels; o++) {
                    for (int k = o * perChannel; k < (o + 1) * perChannel; k++) {
                        w[k] *= scale[o];
                    }
                    bias[o] = c.bias(o) * scale[o] + shift[o];
                }
                folded = Conv2d.of(c.geometry(), w, bias);
            }
            layers.set(layers.size() - 1, folded);
        }

        /**
         * Add, Sub, Mul or Div of a constant (one value, or one per output channel), folded into the
         * linear layer before it.
         */
        private void affine(NodeProto n, String operand, boolean multiplicative, boolean inverse) throws IOException {
            if (operand == null || !constants.containsKey(operand)) {
                throw refused(n, (operand == null ? "has one input" : "combines two computed values, " + n.getInput(0) + " and "
                        + n.getInput(1)) + "; lola4j imports " + n.getOpType() + " by a constant, Add of two computed values"
                        + " (a residual connection) and x * x");
            }
            int channels = channels(n);
            ConstantTensor t = constant(n, operand.equals(n.getInput(0)) ? 0 : 1, "the constant");
            double[] c = t.values();
            long[] d = t.dims();
            // one value per channel: broadcast along the channel axis only (C x 1 x 1 after a
            // convolution, C after a dense layer), never per position
            boolean conv = shape.rank() == 3;
            boolean perChannel = c.length == channels && (conv
                    ? d.length >= 3 && d[d.length - 1] == 1 && d[d.length - 2] == 1 && d[d.length - 3] == channels
                    : d.length >= 1 && d[d.length - 1] == channels);
            if (c.length != 1 && !perChannel) {
                throw refused(n, "has a constant of shape " + java.util.Arrays.toString(d) + "; lola4j imports one value, or one"
                        + " per channel (" + channels + (conv ? " x 1 x 1" : "") + ")");
            }
            double[] scale = new double[channels];
            double[] shift = new double[channels];
            for (int k = 0; k < channels; k++) {
                double v = c[c.length == 1 ? 0 : k];
                if (multiplicative && inverse && v == 0) {
                    throw refused(n, "divides by 0");
                }
                scale[k] = multiplicative ? (inverse ? 1 / v : v) : 1;
                shift[k] = multiplicative ? 0 : (inverse ? -v : v);
            }
            foldIntoLast(scale, shift);
        }

        private void globalAveragePool(NodeProto n) throws IOException {
            if (shape.rank() != 3) {
                throw refused(n, "takes an input of shape " + shape + "; expected channels x rows x columns");
            }
            AvgPool p = AvgPool.of(shape.dim(1), shape.dim(2), shape.dim(1), shape.dim(2));
            add(p, p.outputShape(shape));
        }

        private double[] channelValues(NodeProto n, int index, String what, int channels) throws IOException {
            double[] v = constant(n, index, what).values();
            if (v.length != channels) {
                throw refused(n, "has " + v.length + " values of " + what + " for " + channels + " channels");
            }
            return v;
        }

        private void flatten(NodeProto n) throws IOException {
            if (attrInt(n, "axis", 1) != 1) {
                throw refused(n, "flattens from axis " + attrInt(n, "axis", 1) + "; expected 1 (after the batch dimension)");
            }
            toVector();
        }

        /** Reshape re-indexes nothing (row-major storage): to a vector, a flatten; to another shape, the identity with that shape. */
        private void reshape(NodeProto n) throws IOException {
            long[] target = constant(n, 1, "the shape").longs();
            long size = shape.size();
            if (target.length < 2 || target.length > 5 || !(target[0] == 1 || target[0] == -1 || target[0] == 0)) {
                throw refused(n, "reshapes " + shape + " to " + java.util.Arrays.toString(target) + "; lola4j imports a Reshape"
                        + " that keeps the batch dimension first and has 1 to 4 more");
            }
            int[] dims = new int[target.length - 1];
            int infer = -1;
            long known = 1;
            for (int i = 1; i < target.length; i++) {
                long t = target[i];
                if (t == 0 && attrInt(n, "allowzero", 0) == 0 && i - 1 < shape.rank()) {
                    t = shape.dim(i - 1);
                }
                if (t == -1 && infer < 0) {
                    infer = i - 1;
                    continue;
                }
                if (t < 1 || t > size) {
                    throw refused(n, "reshapes " + shape + " to " + java.util.Arrays.toString(target));
                }
                dims[i - 1] = (int) t;
                known *= t;
            }
            if (infer >= 0) {
                if (known == 0 || size % known != 0) {
                    throw refused(n, "reshapes " + shape + " to " + java.util.Arrays.toString(target));
                }
                dims[infer] = (int) (size / known);
                known = size;
            }
            if (known != size) {
                throw refused(n, "reshapes " + shape.size() + " values (" + shape + ") to " + java.util.Arrays.toString(target));
            }
            Shape to = Shape.of(dims);
            if (to.rank() == 1) {
                toVector();
            } else if (!to.equals(shape)) {
                add(permutation(to, null), to);
            }
        }

        /** Transpose of the axes after the batch dimension: a permutation of the values, as an affine layer. */
        private void transpose(NodeProto n) throws IOException {
            int rank = shape.rank();
            long[] perm = attrInts(n, "perm", null);
            if (perm == null) {
                throw refused(n, "has no perm; lola4j imports a Transpose that keeps the batch dimension first");
            }
            boolean[] seen = new boolean[rank + 1];
            boolean valid = perm.length == rank + 1 && perm[0] == 0;
            for (int i = 0; valid && i < perm.length; i++) {
                valid = perm[i] >= 0 && perm[i] <= rank && !seen[(int) perm[i]];
                if (valid) {
                    seen[(int) perm[i]] = true;
                }
            }
            if (!valid) {
                throw refused(n, "has perm " + java.util.Arrays.toString(perm) + " for a value of shape " + shape
                        + "; expected a permutation of 0.." + rank + " that keeps the batch dimension (0) first");
            }
            int[] axes = new int[rank];
            int[] dims = new int[rank];
            for (int k = 0; k < rank; k++) {
                axes[k] = (int) perm[k + 1] - 1;
                dims[k] = shape.dim(axes[k]);
            }
            Shape to = Shape.of(dims);
            add(permutation(to, axes), to);
        }

        /**
         * The affine layer that moves the current value into shape {@code to}: output axis k is input
         * axis {@code axes[k]} (null: the same flat order, a reshape).
         */
        private Affine permutation(Shape to, int[] axes) {
            int size = shape.size();
            int rank = shape.rank();
            int[] from = new int[size];
            int[] stride = new int[rank];
            for (int k = rank - 1, s = 1; k >= 0; k--) {
                stride[k] = s;
                s *= shape.dim(k);
            }
            int[] index = new int[to.rank()];
            for (int o = 0; o < size; o++) {
                int col = o;
                if (axes != null) {
                    col = 0;
                    for (int k = 0; k < rank; k++) {
                        col += index[k] * stride[axes[k]];
                    }
                    for (int k = rank - 1; k >= 0 && ++index[k] == to.dim(k); k--) {
                        index[k] = 0;
                    }
                }
                from[o] = col;
            }
            return moved(to, from, null, null);
        }

        /**
         * The affine layer whose output o is {@code weight[o] * x[from[o]] + bias[o]} of the current
         * value x, or {@code bias[o]} when {@code from[o]} is -1 (weights null: 1; biases null: 0):
         * the one-weight-per-row maps of padding, per-channel constants, transposes and reshapes.
         */
        private Affine moved(Shape to, int[] from, double[] weight, double[] bias) {
            int[] start = new int[to.size() + 1];
            int[] cols = new int[to.size()];
            double[] w = new double[to.size()];
            int k = 0;
            for (int o = 0; o < to.size(); o++) {
                if (from[o] >= 0) {
                    cols[k] = from[o];
                    w[k++] = weight == null ? 1 : weight[o];
                }
                start[o + 1] = k;
            }
            return Affine.of(shape.size(), to, start, java.util.Arrays.copyOf(cols, k), java.util.Arrays.copyOf(w, k),
                    bias == null ? new double[to.size()] : bias);
        }

        private void toVector() {
            if (shape.rank() > 1) {
                add(Flatten.INSTANCE, Shape.of(shape.size()));
            }
        }

        private int vectorInput(NodeProto n) throws IOException {
            if (shape.rank() != 1) {
                throw refused(n, "takes an input of shape " + shape + "; expected a vector (Flatten first)");
            }
            return shape.dim(0);
        }

        private ConstantTensor constant(NodeProto n, int index, String what) throws IOException {
            if (n.getInputCount() <= index) {
                throw refused(n, "has no " + what);
            }
            TensorProto t = constants.get(n.getInput(index));
            if (t == null) {
                throw refused(n, "takes " + what + " from " + n.getInput(index) + ", which is not a constant; lola4j imports"
                        + " weights given as initializers or Constant nodes");
            }
            try {
                return ConstantTensor.of(t);
            } catch (IllegalArgumentException e) {
                throw refused(n, what + ": " + e.getMessage());
            }
        }
    }
}
