package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.GraphNetwork;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Graph networks compile through their lowering: a residual block and a concatenation of branches
 * are planned, the twin equals the graph, the encrypted run agrees with it, the simulated levels
 * and scales are the real ones (checked by {@link CompilerTest#compileAndCheck}), and the residual
 * connection costs no level.
 */
class GraphCompilerTest {

    private static final ModelInfo INFO = ModelInfo.untrained("graph", "none", 1);

    /** The layer with random weights (as CompilerTest draws them) for an input of that shape. */
    private static Layer random(Layer l, Shape in, long seed) {
        return CompilerTest.net(in, 1.0, seed, l).layers().get(0);
    }

    /** conv, x^2, then conv, poly, conv plus the skip, dense. */
    private static GraphNetwork residual() {
        Shape in = Shape.of(1, 8, 8);
        Shape mid = Shape.of(3, 6, 6);
        Layer conv1 = random(CompilerTest.conv(1, 3, 3, 1, 0, 0, 0, 0), in, 1);
        Layer conv2 = random(CompilerTest.conv(3, 3, 3, 1, 1, 1, 1, 1), mid, 2);
        Layer conv3 = random(CompilerTest.conv(3, 3, 3, 1, 1, 1, 1, 1), mid, 3);
        Layer head = random(Dense.zeros(108, 10), Shape.of(108), 4);
        // snippet graph-network
        GraphNetwork.Builder b = GraphNetwork.builder(Shape.of(1, 8, 8));
        int skipFrom = b.layer("square1", Square.INSTANCE, b.layer("conv1", conv1, b.input()));
        int block = b.layer("conv3", conv3, b.layer("poly2", PolyActivation.of(0.25, 0.5, 0.1), b.layer("conv2", conv2, skipFrom)));
        int sum = b.add("residual", block, skipFrom);
        b.layer("head", head, b.layer("flatten", Flatten.INSTANCE, sum));
        GraphNetwork graph = b.build(ModelInfo.untrained("residual", "none", 1));
        // end snippet
        return graph;
    }

    /** The graph's lowering, checked against the graph on inputs. */
    private static Network lowered(GraphNetwork g, List<double[]> calibration) {
        Network net = g.toNetwork(calibration);
        for (double[] x : CompilerTest.inputs(net, 8, 2)) {
            double[] want = g.forward(x);
            double[] got = net.forward(x);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), "lowered output " + i);
            }
        }
        return net;
    }

    private static List<double[]> calibration(GraphNetwork g) {
        return CompilerTest.inputs(CompilerTest.net(g.inputShape(), 1, 0, Flatten.INSTANCE), 16, 1);
    }

    @Test
    void residualBlockCompilesAndTheSkipCostsNoLevel() throws java.io.IOException {
        GraphNetwork graph = residual();
        List<double[]> calibration = calibration(graph);
        // snippet graph-compile
        Plan plan = LolaCompiler.compile(graph, CompileOptions.lowLatency().withCalibration(calibration));
        // end snippet
        CompilerTest.check(plan, lowered(graph, calibration), 3);
        // conv1, square1, conv2, poly2, then conv3 with the add and the head as one map: one level
        // each, as without the skip, which crosses poly2's square at the branch's level
        assertEquals(5, plan.depth());
        // the plan file carries the lowered network (its affine layers) and reads back as the same plan
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        plan.write(out);
        Plan back = Plan.read(new java.io.ByteArrayInputStream(out.toByteArray()));
        assertEquals(plan.fingerprint(), back.fingerprint());
        double[] x = calibration.get(0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(plan.evaluatePlain(x), back.evaluatePlain(x), 0.0);
    }

    @Test
    void concatenatedBranchesCompile() {
        Shape in = Shape.of(2, 8, 8);
        GraphNetwork.Builder b = GraphNetwork.builder(in);
        int a = b.layer("a", random(CompilerTest.conv(2, 2, 3, 1, 1, 1, 1, 1), in, 5), b.input());
        int as = b.layer("a_square", Square.INSTANCE, a);
        int c = b.layer("b", random(CompilerTest.conv(2, 3, 1, 1, 0, 0, 0, 0), in, 6), b.input());
        int cat = b.concat("concat", as, c);
        int pool = b.layer("pool", AvgPool.of(2, 2, 2, 2), cat);
        int sq = b.layer("square", Square.INSTANCE, pool);
        b.layer("head", random(Dense.zeros(80, 4), Shape.of(80), 7), b.layer("flatten", Flatten.INSTANCE, sq));
        GraphNetwork g = b.build(INFO);
        Plan p = CompilerTest.compileAndCheck(lowered(g, calibration(g)), 3);
        assertEquals(4, p.network().outputShape().size());
    }
}
