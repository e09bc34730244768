package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Graph networks: the plaintext evaluation against a hand-written one, the lowering to a sequence
 * against the graph on random inputs, the lowered file round trip, and refusals that name the node.
 */
class GraphNetworkTest {

    private static final ModelInfo INFO = ModelInfo.untrained("graph", "none", 1);

    static Conv2d conv(int in, int out, int k, int pad, long seed) {
        Conv2d.Geometry g = Conv2d.Geometry.square(in, out, k, 1, pad, pad, pad, pad);
        double s = 1 / Math.sqrt(in * k * k);
        return Conv2d.of(g, LayerGradientTest.random(g.weightCount(), seed), scaled(LayerGradientTest.random(out, seed + 1), 0.1 * s));
    }

    static double[] scaled(double[] v, double s) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= s;
        }
        return v;
    }

    static Dense dense(int in, int out, long seed) {
        return Dense.of(in, out, scaled(LayerGradientTest.random(in * out, seed), 1 / Math.sqrt(in)),
                scaled(LayerGradientTest.random(out, seed + 1), 0.1));
    }

    /** conv, x^2, a residual block (conv, poly, conv, + skip), x^2, dense: the skip crosses two squares. */
    static GraphNetwork residual() {
        GraphNetwork.Builder b = GraphNetwork.builder(Shape.of(1, 8, 8));
        int c1 = b.layer("conv1", conv(1, 3, 3, 0, 1), b.input());
        int s1 = b.layer("square1", Square.INSTANCE, c1);
        int c2 = b.layer("conv2", conv(3, 3, 3, 1, 3), s1);
        int p2 = b.layer("poly2", PolyActivation.of(0.25, 0.5, -0.1), c2);
        int c3 = b.layer("conv3", conv(3, 3, 3, 1, 5), p2);
        int sum = b.add("residual", c3, s1);
        int s3 = b.layer("square3", Square.INSTANCE, sum);
        int f = b.layer("flatten", Flatten.INSTANCE, s3);
        b.layer("head", dense(3 * 6 * 6, 4, 7), f);
        return b.build(INFO);
    }

    /** Two branches from the input (a square in one only), joined by a concat, then a head. */
    static GraphNetwork branches() {
        GraphNetwork.Builder b = GraphNetwork.builder(Shape.of(2, 6, 6));
        int a = b.layer("a", conv(2, 2, 3, 1, 11), b.input());
        int as = b.layer("a_square", Square.INSTANCE, a);
        int c = b.layer("b", conv(2, 3, 1, 0, 13), b.input());
        int cat = b.concat("concat", as, c);
        int pool = b.layer("pool", AvgPool.of(2, 2, 2, 2), cat);
        int sq = b.layer("square", Square.INSTANCE, pool);
        b.layer("head", dense(5 * 3 * 3, 3, 15), b.layer("flatten", Flatten.INSTANCE, sq));
        return b.build(INFO);
    }

    static List<double[]> inputs(Shape s, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            double[] x = new double[s.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble();
            }
            out.add(x);
        }
        return out;
    }

    @Test
    void forwardIsTheHandWrittenComputation() {
        GraphNetwork g = residual();
        double[] x = inputs(g.inputShape(), 1, 3).get(0);
        List<GraphNetwork.Node> n = g.nodes();
        Tensor s1 = Square.INSTANCE.apply(n.get(1).layer().apply(Tensor.wrap(Shape.of(1, 8, 8), x)));
        Tensor c3 = n.get(5).layer().apply(n.get(4).layer().apply(n.get(3).layer().apply(s1)));
        double[] sum = c3.toArray();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += s1.dataNoCopy()[i];
        }
        Tensor out = n.get(9).layer().apply(Flatten.INSTANCE.apply(Square.INSTANCE.apply(Tensor.wrap(c3.shape(), sum))));
        assertArrayEquals(out.dataNoCopy(), g.forward(x), 0.0);
    }

    @Test
    void concatJoinsChannels() {
        GraphNetwork g = branches();
        double[] x = inputs(g.inputShape(), 1, 4).get(0);
        double[][] v = g.values(x);
        int cat = 4;
        assertEquals(Shape.of(5, 6, 6), g.nodes().get(cat).shape());
        assertArrayEquals(v[2], java.util.Arrays.copyOfRange(v[cat], 0, 72), 0.0);
        assertArrayEquals(v[3], java.util.Arrays.copyOfRange(v[cat], 72, 180), 0.0);
    }

    @Test
    void loweredNetworkComputesTheGraph() {
        for (GraphNetwork g : List.of(residual(), branches())) {
            Network net = g.toNetwork(inputs(g.inputShape(), 8, 1));
            for (double[] x : inputs(g.inputShape(), 20, 2)) {
                double[] want = g.forward(x);
                double[] got = net.forward(x);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), g + " output " + i);
                }
            }
        }
    }

    @Test
    void loweringKeepsTheLeadingChainAndSquaresOncePerDepth() {
        Network net = residual().toNetwork(List.of());
        // conv1 and square1 stay; then affine, square (poly2's depth), affine, square (square3), affine
        List<String> kinds = new ArrayList<>();
        for (Layer l : net.layers()) {
            kinds.add(l.kind());
        }
        assertEquals(List.of("conv2d", "square", "affine", "square", "affine", "square", "affine"), kinds);
        // the second affine reads poly2's 108 values plus the skip's 2 x 108 carried copies
        assertEquals(3 * 108, ((Affine) net.layers().get(2)).output().size());
        assertEquals(Shape.of(4), net.outputShape());
    }

    @Test
    void aChainLowersToItsLayers() {
        Network seq = Network.of(Shape.of(4), List.of(dense(4, 3, 1), Square.INSTANCE, dense(3, 2, 3)), INFO);
        GraphNetwork g = GraphNetwork.of(seq);
        assertTrue(g.isChain());
        assertEquals(seq.layers(), g.toNetwork(List.of()).layers());
        assertFalse(residual().isChain());
    }

    @Test
    void loweredNetworkRoundTripsThroughTheModelFormat() throws Exception {
        Network net = branches().toNetwork(inputs(Shape.of(2, 6, 6), 4, 1));
        byte[] bytes = ModelFormat.toBytes(net, ModelFormat.WeightEncoding.FLOAT64);
        Network back = ModelFormat.fromBytes(bytes, "lowered");
        assertArrayEquals(bytes, ModelFormat.toBytes(back, ModelFormat.WeightEncoding.FLOAT64));
        double[] x = inputs(Shape.of(2, 6, 6), 1, 9).get(0);
        assertArrayEquals(net.forward(x), back.forward(x), 0.0);
    }

    @Test
    void carryOffsetIsAPowerOfTwoCoveringTheRange() {
        assertEquals(1, GraphLowering.carryOffset(0));
        assertEquals(1, GraphLowering.carryOffset(1));
        assertEquals(4, GraphLowering.carryOffset(2.5));
        assertEquals(64, GraphLowering.carryOffset(33));
    }

    @Test
    void refusalsNameTheNode() {
        GraphNetwork.Builder b = GraphNetwork.builder(Shape.of(2, 4, 4));
        int a = b.layer("a", conv(2, 3, 3, 1, 1), b.input());
        int c = b.layer("c", conv(2, 3, 3, 0, 1), b.input());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.add("sum", a, c));
        assertTrue(e.getMessage().contains("sum") && e.getMessage().contains("3x2x2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.concat("cat", a, c));
        assertTrue(e.getMessage().contains("concat cat") && e.getMessage().contains("node c (3x2x2)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.layer("a", Square.INSTANCE, a));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.layer("d", Dense.zeros(5, 2), a));
        assertTrue(e.getMessage().contains("node d") && e.getMessage().contains("node a"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.layer("far", Square.INSTANCE, 9));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        b.layer("sq", Square.INSTANCE, a);
        e = assertThrows(IllegalArgumentException.class, () -> b.build(INFO));
        assertTrue(e.getMessage().contains("node c") && e.getMessage().contains("read by no node"), e.getMessage());
    }
}
