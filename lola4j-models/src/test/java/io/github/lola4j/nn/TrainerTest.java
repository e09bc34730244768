package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {

    private static LabeledImages train;
    private static LabeledImages test;

    @BeforeAll
    static void load() throws IOException {
        LabeledImages all = Mnist.loadTestSet(Path.of("../shared/data/mnist"), Dataset.MNIST);
        // Small disjoint subsets of the test file keep this fast; the training set is not needed.
        train = all.subset(0, 3000);
        test = all.subset(5000, 6000);
    }

    private static Trainer.Builder small(int threads) {
        return Trainer.builder().epochs(2).batchSize(50).threads(threads).seed(42).shift(1).weightDecay(0.01)
                .activationPenalty(1e-4);
    }

    private static void assertSameWeights(Network a, Network b) {
        for (int l = 0; l < a.layers().size(); l++) {
            assertArrayEquals(a.layers().get(l).parameters(), b.layers().get(l).parameters(), "layer " + l);
        }
    }

    @Test
    void sameSeedGivesIdenticalWeightsWithOneAndTwoThreads() {
        LabeledImages sub = train.subset(0, 700); // 14 batches, the last of them partial
        for (Architecture arch : new Architecture[] {Architecture.LOLA, Architecture.LOLA_SMALL}) {
            Network start = arch.untrained("mnist");
            Trainer.Result one = small(1).build().train(start, sub, null);
            Trainer.Result two = small(2).build().train(start, sub, null);
            Trainer.Result three = small(3).build().train(start, sub, null);
            assertSameWeights(one.network(), two.network());
            assertSameWeights(one.network(), three.network());
            assertEquals(one.history().get(1).loss(), two.history().get(1).loss());
            // A different seed gives different weights.
            Trainer.Result other = small(2).seed(43).build().train(start, sub, null);
            assertFalse(Arrays.equals(one.network().layers().get(0).parameters(),
                    other.network().layers().get(0).parameters()));
        }
    }

    /** Fast mode: still the same weights whatever the thread count, close to (not equal to) the default mode's. */
    @Test
    void fastModeIsDeterministicAndLearns() {
        LabeledImages sub = train.subset(0, 300);
        Network start = Architecture.LOLA_SMALL.untrained("mnist");
        Trainer.Result one = small(1).fast(true).build().train(start, sub, null);
        Trainer.Result two = small(2).fast(true).build().train(start, sub, null);
        assertSameWeights(one.network(), two.network());
        Trainer.Result exact = small(2).build().train(start, sub, null);
        double a = one.history().get(1).loss();
        double b = exact.history().get(1).loss();
        assertEquals(b, a, Math.abs(b) * 1e-4, "the same training up to rounding");
        assertTrue(one.history().get(1).loss() < one.history().get(0).loss(), "the loss falls");
    }

    @Test
    void oneTrainerRunsSeveralTrainingsIndependently() {
        Trainer t = small(2).build();
        LabeledImages sub = train.subset(0, 200);
        Network a1 = t.train(Architecture.LOLA_SMALL.untrained("mnist"), sub, null).network();
        Network b1 = t.train(Architecture.LOLA.untrained("mnist"), sub, null).network();
        Network a2 = t.train(Architecture.LOLA_SMALL.untrained("mnist"), sub, null).network();
        assertSameWeights(a1, a2);
        assertSameWeights(b1, small(1).build().train(Architecture.LOLA.untrained("mnist"), sub, null).network());
    }

    @Test
    void trainingLearnsAndReportsProgress() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer t = Trainer.builder().epochs(3).seed(1).threads(2).log(new PrintStream(log, true, StandardCharsets.UTF_8))
                .build();
        Trainer.Result r = t.train(Architecture.LOLA_SMALL.untrained("mnist"), train, test);
        assertEquals(3, r.history().size());
        assertTrue(r.history().get(2).loss() < r.history().get(0).loss());
        Evaluation ev = Evaluation.run(r.network(), test, 0, 2);
        assertTrue(ev.accuracy() > 0.9, "accuracy " + ev.accuracy());
        assertEquals(ev.accuracy(), r.history().get(2).testAccuracy(), 1e-12);
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("epoch   3/3") && text.contains("loss") && text.contains("train")
                && text.contains("test") && text.contains(" s"), text);
        assertEquals("lola-small", r.network().info().name());
    }

    @Test
    void initialisationScalesEveryLayer() {
        // One tiny step keeps the weights essentially where initialisation put them.
        Trainer t = Trainer.builder().epochs(1).batchSize(10).learningRate(1e-12).finalLearningRate(0).seed(3)
                .threads(1).build();
        Network net = t.train(Architecture.LOLA.untrained("mnist"), train.subset(0, 10), null).network();
        Evaluation ev = Evaluation.run(net, train.subset(0, 1000), 0, 1);
        double[] m = ev.maxAbs();
        // Outputs of parameterised layers have unit deviation on the first images: max |value| of a few units.
        assertTrue(m[0] > 1 && m[0] < 20, "conv " + m[0]);
        assertTrue(m[3] > 1 && m[3] < 20, "dense " + m[3]);
        assertTrue(m[5] > 1 && m[5] < 20, "logits " + m[5]);
    }

    @Test
    void learningRateScheduleWarmsUpThenDecays() {
        Trainer t = Trainer.builder().learningRate(1e-3).finalLearningRate(1e-5).build();
        assertEquals(1e-3 / 10, t.learningRate(0, 10, 110), 1e-18);
        assertEquals(1e-3, t.learningRate(9, 10, 110), 1e-18);
        assertEquals(1e-3, t.learningRate(10, 10, 110), 1e-18);
        assertEquals((1e-3 + 1e-5) / 2, t.learningRate(60, 10, 110), 1e-15);
        assertEquals(1e-5, t.learningRate(110, 10, 110), 1e-18);
        assertTrue(t.learningRate(30, 10, 110) > t.learningRate(31, 10, 110));
    }

    @Test
    void invalidOptionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder().epochs(0).build());
        assertEquals("trainer: epochs = 0, expected >= 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder().learningRate(-1).build());
        assertTrue(e.getMessage().contains("learningRate = -1.0"));
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder().shift(9).build());
        assertTrue(e.getMessage().contains("shift = 9"));
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder().threads(0).build());
        assertTrue(e.getMessage().contains("threads = 0"));
        e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.builder().learningRate(1e-3).finalLearningRate(1e-2).build());
        assertTrue(e.getMessage().contains("finalLearningRate"));
    }

    @Test
    void divergenceIsReportedNotHidden() {
        Trainer t = Trainer.builder().epochs(1).learningRate(1e100).finalLearningRate(1e100).warmupEpochs(0)
                .threads(1).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> t.train(Architecture.LOLA.untrained("mnist"), train.subset(0, 500), null));
        assertTrue(e.getMessage().contains("training diverged"), e.getMessage());
    }

    @Test
    void mixIsSensitiveToEveryArgument() {
        long base = Seeds.mix(1, 2, 3);
        assertNotEquals(base, Seeds.mix(2, 2, 3));
        assertNotEquals(base, Seeds.mix(1, 3, 3));
        assertNotEquals(base, Seeds.mix(1, 2, 4));
    }
}
