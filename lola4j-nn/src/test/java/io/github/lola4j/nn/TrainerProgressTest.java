package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.testkit.RecordingProgress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The trainer reports one unit per batch and trains the same weights with or without a progress. */
class TrainerProgressTest {

    /** Random 28x28 images with random labels: the trainer's bookkeeping, not learning, is tested. */
    private static LabeledImages noise(int count) {
        SplittableRandom r = new SplittableRandom(29);
        byte[] pixels = new byte[count * 28 * 28];
        byte[] labels = new byte[count];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) r.nextInt(256);
        }
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) r.nextInt(10);
        }
        return LabeledImages.of("noise", 28, 28, 10, pixels, labels);
    }

    @Test
    void oneUnitPerBatchAndTheSameWeights() {
        LabeledImages train = noise(120); // 3 batches of 50 a epoch, the last partial
        Trainer.Builder b = Trainer.builder().epochs(2).batchSize(50).threads(2).seed(5);
        RecordingProgress p = new RecordingProgress();
        Network reported = b.progress(p).build().train(Architecture.LOLA_SMALL.untrained("mnist"), train, null).network();
        Network plain = b.progress(io.github.lola4j.format.Progress.none()).build()
                .train(Architecture.LOLA_SMALL.untrained("mnist"), train, null).network();

        assertEquals(List.of(new RecordingProgress.Task("training", 6, 6)), p.tasks());
        for (int l = 0; l < plain.layers().size(); l++) {
            assertArrayEquals(plain.layers().get(l).parameters(), reported.layers().get(l).parameters(), "layer " + l);
        }
    }
}
