package io.github.lola4j.nn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable network whose layers form a directed acyclic graph: a residual {@code add} of
 * branches, a {@code concat} of branches, any {@link Layer} on one value. Node 0 is the input; every
 * other node reads nodes before it, so the order of the nodes is an order of evaluation, and the
 * last node is the output.
 *
 * <p>{@link #forward(double[])} evaluates the graph in plaintext. {@link #toNetwork(List)} lowers it
 * to a sequential {@link Network} that computes the same function and that the LoLa compiler
 * plans like any other (see that method). A graph that is a chain lowers to exactly its layers.
 *
 * <pre>{@code
 * GraphNetwork.Builder b = GraphNetwork.builder(Shape.of(1, 28, 28));
 * int conv = b.layer("conv", Conv2d.of(geometry, weights, biases), b.input());
 * int act = b.layer("square", Square.INSTANCE, conv);
 * int block = b.layer("conv2", Conv2d.of(sameGeometry, weights2, biases2), act);
 * int sum = b.add("residual", block, act);
 * b.layer("head", Dense.of(w, bias), b.layer("flatten", Flatten.INSTANCE, sum));
 * GraphNetwork g = b.build(info);
 * }</pre>
 */
public final class GraphNetwork {

    /** What a node computes. */
    public enum Op {
        /** The network's input (node 0 only). */
        INPUT,
        /** A {@link Layer} applied to one node. */
        LAYER,
        /** The element-wise sum of two or more nodes of one shape. */
        ADD,
        /** Two or more nodes joined along their first dimension (channels of images, entries of vectors). */
        CONCAT
    }

    /**
     * One node.
     *
     * @param name   its name, unique in the graph (for messages and reports)
     * @param op     what it computes
     * @param layer  the layer ({@link Op#LAYER} only, else null)
     * @param inputs the nodes it reads, each before it
     * @param shape  the shape it produces
     */
    public record Node(String name, Op op, Layer layer, List<Integer> inputs, Shape shape) {
        public Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(op, "op");
            inputs = List.copyOf(inputs);
            Objects.requireNonNull(shape, "shape");
        }
    }

    private final List<Node> nodes;
    private final ModelInfo info;

    private GraphNetwork(List<Node> nodes, ModelInfo info) {
        this.nodes = nodes;
        this.info = info;
    }

    /**
     * Starts a graph.
     *
     * @param input the input shape (node 0)
     * @return a builder
     */
    public static Builder builder(Shape input) {
        return new Builder(input);
    }

    /** The graph of a sequential network: each layer reads the one before. */
    public static GraphNetwork of(Network net) {
        Builder b = builder(net.inputShape());
        int at = b.input();
        for (int i = 0; i < net.layers().size(); i++) {
            at = b.layer("layer" + i, net.layers().get(i), at);
        }
        return b.build(net.info());
    }

    /** Builds a graph node by node. Not thread-safe. */
    public static final class Builder {
        private final List<Node> nodes = new ArrayList<>();
        private final Set<String> names = new HashSet<>();

        private Builder(Shape input) {
            Objects.requireNonNull(input, "input");
            nodes.add(new Node("input", Op.INPUT, null, List.of(), input));
            names.add("input");
        }

        /** The input node (0). */
        public int input() {
            return 0;
        }

        /**
         * The shape a node produces.
         *
         * @param node a node added so far
         * @return its shape
         * @throws IndexOutOfBoundsException when there is no such node
         */
        public Shape shape(int node) {
            return nodes.get(node).shape();
        }

        /**
         * Adds a layer on one node.
         *
         * @param name  a name not used yet
         * @param layer the layer
         * @param from  the node it reads
         * @return the new node
         * @throws IllegalArgumentException when the name is taken, the node does not exist or the
         *                                  layer cannot take its shape (naming the node)
         */
        public int layer(String name, Layer layer, int from) {
            Objects.requireNonNull(layer, "layer");
            Shape in = shapeOf(name, from);
            Shape out;
            try {
                out = layer.outputShape(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("graph: node " + name + " (" + layer.kind() + ") cannot take node "
                        + nodes.get(from).name() + "'s output: " + e.getMessage(), e);
            }
            return append(new Node(name, Op.LAYER, layer, List.of(from), out));
        }

        /**
         * Adds the element-wise sum of nodes of one shape (a residual connection).
         *
         * @param name a name not used yet
         * @param from two or more nodes
         * @return the new node
         * @throws IllegalArgumentException when fewer than two nodes are given or their shapes differ
         */
        public int add(String name, int... from) {
            Shape first = merge(name, "add", from);
            for (int f : from) {
                if (!nodes.get(f).shape().equals(first)) {
                    throw new IllegalArgumentException("graph: add " + name + " sums node " + nodes.get(from[0]).name() + " ("
                            + first + ") and node " + nodes.get(f).name() + " (" + nodes.get(f).shape() + "); the shapes must be equal");
                }
            }
            return append(new Node(name, Op.ADD, null, box(from), first));
        }

        /**
         * Adds the concatenation of nodes along their first dimension (the channels of images).
         *
         * @param name a name not used yet
         * @param from two or more nodes of equal rank whose other dimensions agree
         * @return the new node
         * @throws IllegalArgumentException when the shapes cannot be joined
         */
        public int concat(String name, int... from) {
            Shape first = merge(name, "concat", from);
            int[] dims = first.dims();
            dims[0] = 0;
            for (int f : from) {
                Shape s = nodes.get(f).shape();
                boolean fits = s.rank() == first.rank();
                for (int d = 1; fits && d < s.rank(); d++) {
                    fits = s.dim(d) == first.dim(d);
                }
                if (!fits) {
                    throw new IllegalArgumentException("graph: concat " + name + " joins node " + nodes.get(from[0]).name() + " ("
                            + first + ") and node " + nodes.get(f).name() + " (" + s + "); all dimensions but the first must agree");
                }
                dims[0] += s.dim(0);
            }
            return append(new Node(name, Op.CONCAT, null, box(from), Shape.of(dims)));
        }

        /**
         * The graph, with the last node as output.
         *
         * @param info the metadata
         * @return the graph
         * @throws IllegalArgumentException when a node other than the output is read by no node
         *                                  (naming it): every node must lead to the output
         */
        public GraphNetwork build(ModelInfo info) {
            Objects.requireNonNull(info, "info");
            if (nodes.size() < 2) {
                throw new IllegalArgumentException("graph: needs at least one node after the input");
            }
            int[] readers = readers(nodes);
            for (int i = 0; i < nodes.size() - 1; i++) {
                if (readers[i] == 0) {
                    throw new IllegalArgumentException("graph: node " + nodes.get(i).name() + "'s output is read by no node;"
                            + " every node must lead to the output (the last node, " + nodes.get(nodes.size() - 1).name() + ")");
                }
            }
            InputNormalization norm = info.normalization();
            Shape input = nodes.get(0).shape();
            if (norm.channels() != 1 && (input.rank() != 3 || input.dim(0) != norm.channels())) {
                throw new IllegalArgumentException("graph: the input normalization describes " + norm.channels()
                        + " channels, the input is " + input);
            }
            return new GraphNetwork(List.copyOf(nodes), info);
        }

        private Shape merge(String name, String what, int[] from) {
            if (from.length < 2) {
                throw new IllegalArgumentException("graph: " + what + " " + name + " needs two or more nodes, got " + from.length);
            }
            for (int f : from) {
                shapeOf(name, f);
            }
            return nodes.get(from[0]).shape();
        }

        private Shape shapeOf(String name, int from) {
            Objects.requireNonNull(name, "name");
            if (names.contains(name)) {
                throw new IllegalArgumentException("graph: the name " + name + " is taken");
            }
            if (from < 0 || from >= nodes.size()) {
                throw new IllegalArgumentException("graph: node " + name + " reads node " + from + ", which does not exist (0.."
                        + (nodes.size() - 1) + ")");
            }
            return nodes.get(from).shape();
        }

        private int append(Node n) {
            nodes.add(n);
            names.add(n.name());
            return nodes.size() - 1;
        }

        private static List<Integer> box(int[] from) {
            List<Integer> l = new ArrayList<>(from.length);
            for (int f : from) {
                l.add(f);
            }
            return l;
        }
    }

    static int[] readers(List<Node> nodes) {
        int[] r = new int[nodes.size()];
        for (Node n : nodes) {
            for (int i : n.inputs()) {
                r[i]++;
            }
        }
        return r;
    }

    /** The nodes in order of evaluation; node 0 is the input, the last the output. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The metadata. */
    public ModelInfo info() {
        return info;
    }

    /** The input shape. */
    public Shape inputShape() {
        return nodes.get(0).shape();
    }

    /** The output shape (the last node's). */
    public Shape outputShape() {
        return nodes.get(nodes.size() - 1).shape();
    }

    /** Whether every node reads the one before it only: the graph of a sequential network. */
    public boolean isChain() {
        for (int i = 1; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.op() != Op.LAYER || n.inputs().get(0) != i - 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the graph.
     *
     * @param x the input, {@code inputShape().size()} values (not modified)
     * @return the output
     * @throws IllegalArgumentException when {@code x} has the wrong length
     */
    public double[] forward(double[] x) {
        double[][] v = values(x);
        return v[v.length - 1];
    }

    /**
     * Runs the graph and keeps every node's value.
     *
     * @param x the input (not modified)
     * @return one array per node, in node order (the first is a copy of the input)
     * @throws IllegalArgumentException when {@code x} has the wrong length
     */
    public double[][] values(double[] x) {
        if (x.length != inputShape().size()) {
            throw new IllegalArgumentException("graph: input must have " + inputShape().size() + " values (" + inputShape()
                    + "), got " + x.length);
        }
        double[][] v = new double[nodes.size()][];
        v[0] = x.clone();
        for (int i = 1; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            double[] y = new double[n.shape().size()];
            switch (n.op()) {
                case LAYER -> {
                    int from = n.inputs().get(0);
                    n.layer().forward(nodes.get(from).shape(), n.layer().parameters(), v[from], y);
                }
                case ADD -> {
                    for (int f : n.inputs()) {
                        for (int k = 0; k < y.length; k++) {
                            y[k] += v[f][k];
                        }
                    }
                }
                case CONCAT -> {
                    // joined along the first dimension: with row-major storage, one block after another
                    int at = 0;
                    for (int f : n.inputs()) {
                        System.arraycopy(v[f], 0, y, at, v[f].length);
                        at += v[f].length;
                    }
                }
                default -> throw new IllegalStateException("node " + n.name() + " is a second input");
            }
            v[i] = y;
        }
        return v;
    }

    /**
     * The predicted class: the index of the largest output.
     *
     * @param x the input
     * @return the class
     */
    public int predict(double[] x) {
        return Tensor.argmax(forward(x));
    }

    /**
     * A sequential network computing the same function: the form the LoLa compiler plans.
     *
     * <p>A chain becomes its layers. Otherwise the layers up to the first node read twice (or
     * merged) stay as they are, and the rest becomes alternating {@link Affine} layers and squares:
     * every node is given the number of activations on the longest path to it (its depth), the
     * activations of one depth are squared together by one {@link Square} layer, and everything
     * linear between two depths (convolutions, dense layers, pooling, each {@code add} and
     * {@code concat}) merges into the affine layer between the two squares. A polynomial
     * {@code a x^2 + b x + c} is squared as {@code (x + b/2a)^2}, the rest folded into the affine
     * layers around it. A value that a later depth still needs (the skip of a residual connection)
     * crosses a square as two values, {@code (v + s)^2} and {@code (v - s)^2}, whose difference is
     * {@code 4 s v}: it keeps its level and scale in step with the branch it meets, at the price
     * of twice its size in slots for each square it crosses. The carry offset {@code s} is the
     * smallest power of two at least the largest {@code |v|} on the samples (at least 1), so that the
     * error of the difference stays that of the values squared.
     *
     * <p>The result agrees with {@link #forward} up to rounding (the difference of squares is
     * exact in real numbers).
     *
     * @param samples inputs on which to measure the carried values' range (may be empty: then
     *                {@code s = 1})
     * @return the sequential network, with this graph's metadata
     * @throws IllegalArgumentException when a sample has the wrong length or the lowered layers
     *                                  would be too large
     */
    public Network toNetwork(List<double[]> samples) {
        if (isChain()) {
            List<Layer> layers = new ArrayList<>();
            for (int i = 1; i < nodes.size(); i++) {
                layers.add(nodes.get(i).layer());
            }
            return Network.of(inputShape(), layers, info);
        }
        double[] range = new double[nodes.size()];
        for (double[] x : samples) {
            double[][] v = values(x);
            for (int i = 0; i < v.length; i++) {
                for (double e : v[i]) {
                    range[i] = Math.max(range[i], Math.abs(e));
                }
            }
        }
        return GraphLowering.lower(this, range);
    }

    /**
     * A multi-line summary: one line per node with what it reads, its shape and parameter count.
     *
     * @return the summary
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        int params = 0;
        for (Node n : nodes) {
            params += n.layer() == null ? 0 : n.layer().parameterCount();
        }
        sb.append(info.name()).append(" (").append(info.dataset()).append("), graph of ").append(nodes.size() - 1)
                .append(" nodes, input ").append(inputShape()).append(", ").append(params).append(" parameters\n");
        for (int i = 1; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<String> from = new ArrayList<>();
            for (int f : n.inputs()) {
                from.add(nodes.get(f).name());
            }
            String what = n.op() == Op.LAYER ? n.layer().toString() : n.op().name().toLowerCase(java.util.Locale.ROOT);
            sb.append(String.format("  %-20s %-40s <- %-30s -> %s%n", n.name(), what, String.join(", ", from), n.shape()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "GraphNetwork[" + info.name() + ", " + inputShape() + " -> " + outputShape() + ", " + (nodes.size() - 1)
                + " nodes]";
    }

    /** Used by the lowering: a node's kind of activation, or null for a linear node. */
    static double[] activation(Node n) {
        if (n.op() != Op.LAYER) {
            return null;
        }
        if (n.layer() instanceof Square) {
            return new double[] {1, 0, 0};
        }
        if (n.layer() instanceof PolyActivation p && p.a() != 0) {
            return new double[] {p.a(), p.b(), p.c()};
        }
        return null;
    }
}
