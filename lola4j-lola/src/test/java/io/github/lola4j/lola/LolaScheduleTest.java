package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The LoLa authors' MNIST schedule (LOLA.md 3.3), built from this library's kernels: its rotation
 * count is the one LOLA.md derives (400 at S = 4096), its twin computes the network, and the
 * compiler's own plan needs far fewer rotations and levels.
 */
class LolaScheduleTest {

    @Test
    void theAuthorsScheduleHasTheirRotationCountAndTheCompilersPlanBeatsIt() throws Exception {
        Network net = ModelRegistry.load("lola");
        LabeledImages sample = Mnist.embeddedSample();
        // conv (scalar weights) -> vectorize -> square -> stack x4 -> packed dense -> interleave -> square -> interleaved dense
        List<Choice> repo = List.of(Choice.of(Choice.SCALAR_CONVOLUTION), Choice.of(Choice.VECTORIZE), Choice.of(Choice.ACTIVATION),
                Choice.of(Choice.REPLICATE, 4), Choice.of(Choice.PACKED_DENSE), Choice.of(Choice.INTERLEAVE, 0),
                Choice.of(Choice.ACTIVATION), Choice.of(Choice.ROW_MAJOR));
        CkksParameters six = CkksParameters.builder().ringDegree(8192).primeBits(33, 25, 25, 25, 25, 25, 25).specialPrimeBits(35)
                .scaleBits(25).build();
        Plan lola = Plan.assemble(net, Stage.of(net), six, repo, null, CostModel.builtIn(),
                new Plan.CompileInfo("built-in", "none", new double[0], Double.NaN, List.of(), 0));
        assertEquals(6, lola.depth());
        OpCounts ops = lola.operations();
        assertEquals(4 + 2 + 25 * 10 + 24 + 10 * 12, ops.keySwitchRotations(), "LOLA.md 3.3 at S = 4096: 4 + 2 + 250 + 24 + 120");
        assertEquals(5 * 25, ops.total(OpCounts.Op.CONST_PRODUCT), "125 constant products in the convolution");
        assertEquals(2, ops.total(OpCounts.Op.CIPHER_PRODUCT));
        for (int i = 0; i < 5; i++) {
            double[] x = net.input(sample, i);
            double[] want = net.forward(x);
            double[] got = lola.evaluatePlain(x);
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], got[k], 1e-9, "the authors' schedule computes the network");
            }
        }
        Plan ours = LolaCompiler.compile(net, CompileOptions.lowLatency()
                .withCalibration(List.of(net.input(sample, 0), net.input(sample, 1))));
        assertTrue(ours.operations().keySwitchRotations() * 10 < ops.keySwitchRotations(),
                "ours: " + ours.operations().keySwitchRotations() + " rotations, the authors' " + ops.keySwitchRotations());
        assertTrue(ours.depth() < lola.depth());
        assertTrue(ours.predictedSeconds() * 5 < lola.predictedSeconds(), ours.predictedSeconds() + " vs " + lola.predictedSeconds());
    }
}
