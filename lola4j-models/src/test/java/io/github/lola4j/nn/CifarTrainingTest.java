package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Cifar10;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on colour images: a small CIFAR-10 network (the shape of lola-cifar, fewer maps) learns
 * deterministically with per-channel standardisation, flips and shifts; checkpoints resume bit for
 * bit; the normalization survives the model file.
 */
class CifarTrainingTest {

    private static LabeledImages test;
    private static LabeledImages train;
    private static InputNormalization norm;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        test = Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        train = test.subset(0, 480);
        norm = InputNormalization.fit(test);
    }

    /** lola-cifar's geometry with 6 and 8 maps. */
    private static Network smallCifar() {
        List<Layer> layers = List.of(Conv2d.zeros(Conv2d.Geometry.square(3, 6, 8, 2, 1, 1, 1, 1)), Square.INSTANCE,
                Conv2d.zeros(Conv2d.Geometry.square(6, 8, 6, 2, 0, 0, 0, 0)), Square.INSTANCE, Flatten.INSTANCE,
                Dense.zeros(8 * 5 * 5, 10));
        return Network.of(Architecture.CIFAR_INPUT, layers, ModelInfo.untrained("tiny-cifar", "cifar10", norm));
    }

    private static Trainer.Builder trainer(int threads) {
        return Trainer.builder().epochs(3).batchSize(32).threads(threads).seed(7).shift(2).flip(true).fast(true)
                .learningRate(3e-3).activationPenalty(1e-3);
    }

    private static void assertSameWeights(Network a, Network b) {
        for (int l = 0; l < a.layers().size(); l++) {
            assertArrayEquals(a.layers().get(l).parameters(), b.layers().get(l).parameters(), "layer " + l);
        }
    }

    @Test
    void standardisationIsThePerChannelMeanAndDeviation() {
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            double sq = 0;
            long n = 0;
            for (int i = 0; i < test.count(); i++) {
                for (int r = 0; r < 32; r++) {
                    for (int col = 0; col < 32; col++) {
                        int p = test.pixel(i, c, r, col);
                        sum += p;
                        sq += (double) p * p;
                        n++;
                    }
                }
            }
            double mean = sum / n;
            double std = Math.sqrt(sq / n - mean * mean);
            assertEquals(mean, -norm.offset(c) / norm.scale(c), 1e-9);
            assertEquals(std, 1 / norm.scale(c), 1e-9);
        }
        double[] x = norm.apply(test, 3);
        assertEquals((test.pixel(3, 1, 4, 5) - (-norm.offset(1) / norm.scale(1))) * norm.scale(1), x[1024 + 4 * 32 + 5],
                1e-12);
        // a single pixel scale is the plain product, bit for bit (the shipped MNIST models depend on it)
        InputNormalization s = InputNormalization.pixelScale(1.0 / 256);
        double[] y = s.apply(test, 9);
        for (int k = 0; k < y.length; k++) {
            assertEquals((test.rawImage(9)[k] & 0xff) * (1.0 / 256), y[k]);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InputNormalization.standardize(new double[] {1, 2}, new double[] {1, 0}));
        assertTrue(e.getMessage().contains("channel 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InputNormalization.affine(new double[] {1, 2}, new double[] {0, 0}).apply(test, 0));
        assertTrue(e.getMessage().contains("2 channels"), e.getMessage());
    }

    @Test
    void aSmallCifarNetworkLearnsTheSameWayWithOneAndTwoThreads() {
        Trainer.Result one = trainer(1).build().train(smallCifar(), train, null);
        Trainer.Result two = trainer(2).build().train(smallCifar(), train, null);
        assertSameWeights(one.network(), two.network());
        assertTrue(one.history().get(2).loss() < one.history().get(0).loss(), "the loss falls: " + one.history());
        // flips change the result (they are drawn), and only with the same seed is it reproduced
        Trainer.Result noFlip = trainer(2).flip(false).build().train(smallCifar(), train, null);
        assertFalse(Arrays.equals(one.network().layers().get(0).parameters(),
                noFlip.network().layers().get(0).parameters()));
    }

    @Test
    void aResumedTrainingEqualsAnUninterruptedOneBitForBit() throws IOException {
        Trainer.Result whole = trainer(2).build().train(smallCifar(), train, null);
        Path ckpt = tmp.resolve("run.ckpt");
        // Stop after the first epoch: a one-epoch run with the same schedule is not the same run,
        // so interrupt by training 3 epochs with a checkpoint and replaying from the saved state.
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result saved = trainer(2).checkpoint(ckpt, Duration.ofNanos(1))
                .log(new PrintStream(log, true, StandardCharsets.UTF_8)).progressInterval(Duration.ofNanos(1)).build()
                .train(smallCifar(), train, null);
        assertSameWeights(whole.network(), saved.network());
        assertTrue(Files.size(ckpt) > 0);
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("ETA") && text.contains("batches)"), text);

        // A checkpoint from the middle of epoch 2: write one by running with a checkpoint after each
        // batch and keeping a copy of the state at a chosen point.
        Path mid = tmp.resolve("mid.ckpt");
        TrainingCheckpointProbe.copyAfter(trainer(1), smallCifar(), train, 2, 5, mid);
        Trainer.Result resumed = trainer(2).resume(mid).build().train(smallCifar(), train, null);
        assertSameWeights(whole.network(), resumed.network());
        assertEquals(whole.history().size(), resumed.history().size());
        assertEquals(whole.history().get(2).loss(), resumed.history().get(2).loss());
        assertEquals(whole.history().get(1).loss(), resumed.history().get(1).loss(), "the resumed epoch's running loss");

        // other options, another network or a damaged file are refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(2).seed(8).resume(mid).build().train(smallCifar(), train, null));
        assertTrue(e.getMessage().contains("seed=7") && e.getMessage().contains("seed=8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> trainer(2).resume(mid).build().train(smallCifar(), test.subset(0, 400), null));
        assertTrue(e.getMessage().contains("480 images"), e.getMessage());
        byte[] bytes = Files.readAllBytes(mid);
        bytes[bytes.length / 2] ^= 1;
        Files.write(mid, bytes);
        UncheckedIOException u = assertThrows(UncheckedIOException.class,
                () -> trainer(2).resume(mid).build().train(smallCifar(), train, null));
        assertTrue(u.getMessage().contains("checksum"), u.getMessage());
        Files.write(mid, Arrays.copyOf(bytes, 100));
        u = assertThrows(UncheckedIOException.class, () -> trainer(2).resume(mid).build().train(smallCifar(), train, null));
        assertTrue(u.getMessage().contains("truncated"), u.getMessage());
    }

    @Test
    void theNormalizationIsStoredInTheModelFile() throws IOException {
        Network net = trainer(2).epochs(1).build().train(smallCifar(), train.subset(0, 64), null).network();
        Path f = tmp.resolve("c.model");
        net.save(f, ModelFormat.WeightEncoding.FLOAT64);
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(ModelFormat.VERSION, (bytes[4] & 0xff) | (bytes[5] & 0xff) << 8); // the envelope's version, little-endian
        Network back = Network.load(f);
        assertEquals(norm, back.info().normalization());
        assertArrayEquals(net.input(test, 5), back.input(test, 5));
        assertEquals(net.predict(net.input(test, 5)), back.predict(back.input(test, 5)));
        // a pixel-scale model is still written as version 1
        Path g = tmp.resolve("m.model");
        Architecture.LOLA_SMALL.untrained("mnist").save(g, ModelFormat.WeightEncoding.FLOAT32);
        byte[] m = Files.readAllBytes(g);
        assertEquals(1, (m[4] & 0xff) | (m[5] & 0xff) << 8);
        // a network whose normalization has another channel count than its input is refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Network.of(Architecture.MNIST_INPUT, Architecture.LOLA_SMALL.layers(),
                        ModelInfo.untrained("x", "mnist", norm)));
        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
    }
}
