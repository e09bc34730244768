package io.github.lola4j.nn;

import java.nio.file.Path;
import java.time.Duration;

/** Writes a checkpoint from the middle of a training, as an interrupted run leaves it. */
final class TrainingCheckpointProbe {

    private TrainingCheckpointProbe() {
    }

    /**
     * Trains with {@code builder} until epoch {@code epoch} has run {@code batch} batches, saving the
     * state to {@code file} there, and stops.
     */
    static void copyAfter(Trainer.Builder builder, Network start, LabeledImages train, int epoch, int batch, Path file) {
        int batchSize = 32; // the builder's, see CifarTrainingTest.trainer
        int steps = (train.count() + batchSize - 1) / batchSize;
        long step = (long) (epoch - 1) * steps + batch;
        Trainer t = builder.checkpoint(file, Duration.ofDays(1)).interruptAfterSteps(step).build();
        try {
            t.train(start, train, null);
            throw new AssertionError("the training was not interrupted");
        } catch (Trainer.Interrupted expected) {
            // the checkpoint holds the state after the step
        }
    }
}
