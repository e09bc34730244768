package io.github.lola4j.nn;

import io.github.lola4j.format.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains square-activation ("HE-friendly") networks with mini-batch Adam.
 *
 * <h2>Why each ingredient</h2>
 * <ul>
 *   <li><b>Initialisation.</b> A square doubles the exponent of whatever it receives, so a badly
 *       scaled layer explodes (or vanishes) after two squares. Weights start Gaussian with variance
 *       1/fan-in, then each layer in turn is rescaled so that its output has a chosen standard
 *       deviation on the first training images (a data-dependent initialisation in the spirit of
 *       LSUV, Mishkin and Matas 2016).</li>
 *   <li><b>Adam with decoupled weight decay</b> (AdamW) and <b>global gradient-norm clipping</b>:
 *       the occasional huge gradient of a squared unit is bounded instead of derailing training.</li>
 *   <li><b>Schedule:</b> linear warm-up, then cosine decay to a final learning rate.</li>
 *   <li><b>Activation penalty</b> (optional): {@code lambda} times the mean square of the values
 *       entering each square layer is added to the loss. It keeps intermediate values small, which
 *       the encrypted evaluation (CKKS, limited headroom at the bottom levels) needs.</li>
 *   <li><b>Augmentation</b> (optional): each training image is shifted by a random whole number of
 *       pixels in [-shift, shift] both ways, zero-filled.</li>
 * </ul>
 *
 * <h2>Determinism</h2>
 * For a given seed the result is bit-identical whatever the thread count. A batch is cut into
 * fixed chunks of {@value BatchRunner#CHUNK} samples; each chunk accumulates its samples' gradients in order
 * into its own buffer, whichever thread runs it; the chunk buffers are then added in chunk order.
 * Shuffling, initialisation and augmentation draw from generators derived from (seed, epoch,
 * sample), never from a shared stream, and transcendental functions use {@link StrictMath}.
 */
public final class Trainer {

    private static final int INIT_SAMPLES = 1000;

    /** One epoch's figures. */
    public record EpochStats(int epoch, double loss, double trainAccuracy, double testAccuracy, double learningRate,
            double seconds) {

        /**
         * The line printed on the progress stream.
         *
         * @param epochs the total number of epochs
         * @return the line, without a line break
         */
        public String format(int epochs) {
            return String.format(Locale.ROOT, "epoch %3d/%d  loss %.4f  train %6.2f%%  test %s  lr %.2e  %6.1f s", epoch,
                    epochs, loss, 100 * trainAccuracy,
                    Double.isNaN(testAccuracy) ? "   -   " : String.format(Locale.ROOT, "%6.2f%%", 100 * testAccuracy),
                    learningRate, seconds);
        }
    }

    /**
     * What {@link #train} returns.
     *
     * @param network the trained network (double-precision weights, metadata of the input network)
     * @param history one entry per epoch
     * @param seconds wall-clock training time
     */
    public record Result(Network network, List<EpochStats> history, double seconds) {
        /**
         * Copies the history.
         *
         * @param network the network
         * @param history the epochs
         * @param seconds the time
         */
        public Result {
            history = List.copyOf(history);
        }
    }

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double finalLearningRate;
    private final double warmupEpochs;
    private final double weightDecay;
    private final double clipNorm;
    private final double activationPenalty;
    private final int shift;
    private final boolean flip;
    private final int threads;
    private final long seed;
    private final double initStd;
    private final boolean initialize;
    private final boolean fast;
    private final PrintStream log;
    private final Duration progressInterval;
    private final Progress progress;
    private final Path checkpoint;
    private final Duration checkpointInterval;
    private final Path resume;
    private final long interruptAfterSteps;
    private final String fingerprint;

    /** What a test-only interruption ({@link Builder#interruptAfterSteps}) throws. */
    static final class Interrupted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Interrupted(long step) {
            super("training interrupted after step " + step + " (test hook)");
        }
    }

    private Trainer(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.finalLearningRate = b.finalLearningRate;
        this.warmupEpochs = b.warmupEpochs;
        this.weightDecay = b.weightDecay;
        this.clipNorm = b.clipNorm;
        this.activationPenalty = b.activationPenalty;
        this.shift = b.shift;
        this.flip = b.flip;
        this.threads = b.threads;
        this.seed = b.seed;
        this.initStd = b.initStd;
        this.initialize = b.initialize;
        this.fast = b.fast;
        this.log = b.log;
        this.progressInterval = b.progressInterval;
        this.progress = b.progress;
        this.checkpoint = b.checkpoint;
        this.checkpointInterval = b.checkpointInterval;
        this.resume = b.resume;
        this.interruptAfterSteps = b.interruptAfterSteps;
        // Everything that shapes the weights (not threads, logging or checkpoint files), so a
        // checkpoint is only resumed by a trainer that would have produced the same run.
        this.fingerprint = String.format(Locale.ROOT,
                "epochs=%d batch=%d lr=%s final-lr=%s warmup=%s weight-decay=%s clip=%s act-penalty=%s shift=%d flip=%b"
                        + " seed=%d init-std=%s initialize=%b fast=%b",
                epochs, batchSize, learningRate, finalLearningRate, warmupEpochs, weightDecay, clipNorm,
                activationPenalty, shift, flip, seed, initStd, initialize, fast);
    }

    /**
     * Starts a configuration with the defaults, the recipe of the shipped models: 30 epochs, batch
     * 64, learning rate 2e-3 decaying to 1e-5, half an epoch of warm-up, weight decay 0.05, clipping
     * at norm 5, activation penalty 0.01, shifts of up to 2 pixels, one thread per processor, seed 1,
     * initial output deviation 1, no progress output.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The training options; {@link #build()} validates them. */
    public static final class Builder {
        private int epochs = 30;
        private int batchSize = 64;
        private double learningRate = 2e-3;
        private double finalLearningRate = 1e-5;
        private double warmupEpochs = 0.5;
        private double weightDecay = 0.05;
        private double clipNorm = 5;
        private double activationPenalty = 0.01;
        private int shift = 2;
        private int threads = Runtime.getRuntime().availableProcessors();
        private long seed = 1;
        private double initStd = 1;
        private boolean initialize = true;
        private boolean fast;
        private boolean flip;
        private PrintStream log;
        private Duration progressInterval = Duration.ofSeconds(30);
        private Progress progress = Progress.none();
        private Path checkpoint;
        private Duration checkpointInterval = Duration.ofMinutes(10);
        private Path resume;
        private long interruptAfterSteps;

        /**
         * Tests only: save a checkpoint after this many optimiser steps (when a checkpoint file is
         * set and the step is not an epoch's last) and stop as an interruption would, by throwing
         * {@link Interrupted}.
         */
        Builder interruptAfterSteps(long v) {
            this.interruptAfterSteps = v;
            return this;
        }

        /**
         * Whether each training image is mirrored left-right with probability 1/2 (augmentation for
         * natural images such as CIFAR-10; wrong for digits).
         *
         * @param v the choice (default false)
         * @return this builder
         */
        public Builder flip(boolean v) {
            this.flip = v;
            return this;
        }

        /**
         * How often a progress line (epoch, share done, running loss and accuracy, ETA) is printed
         * within an epoch, besides the line at each epoch's end; only when {@link #log} is set.
         *
         * @param v positive (default 30 s)
         * @return this builder
         */
        public Builder progressInterval(Duration v) {
            this.progressInterval = v;
            return this;
        }

        /**
         * Where the training state is saved (atomically) at each epoch's end and, within an epoch,
         * at the first batch boundary after {@code every} has passed since the last save; null (the
         * default) for no checkpoints. Saving never changes the result.
         *
         * @param file  the checkpoint file, or null
         * @param every the longest time between two saves within an epoch, positive
         * @return this builder
         */
        public Builder checkpoint(Path file, Duration every) {
            this.checkpoint = file;
            this.checkpointInterval = every;
            return this;
        }

        /**
         * A checkpoint to continue from instead of starting anew. The trainer must be configured
         * exactly as the one that wrote it (threads aside) and be given the same network
         * architecture and training set; the result is then bit-identical to an uninterrupted run.
         *
         * @param file the checkpoint, or null (the default) to start anew
         * @return this builder
         */
        public Builder resume(Path file) {
            this.resume = file;
            return this;
        }

        /**
         * Fast mode: convolutions run as matrix products over each chunk of samples, with their sums
         * in another order than the one-sample kernels. Still deterministic (the same seed gives the
         * same weights whatever the thread count) but not bit-identical to the default mode, which
         * the shipped MNIST models were trained in. About 2x faster for convolution-heavy networks.
         *
         * @param v whether to use it (default false)
         * @return this builder
         */
        public Builder fast(boolean v) {
            this.fast = v;
            return this;
        }

        private Builder() {
        }

        /**
         * Passes over the training set.
         *
         * @param v at least 1
         * @return this builder
         */
        public Builder epochs(int v) {
            this.epochs = v;
            return this;
        }

        /**
         * Samples per optimiser step.
         *
         * @param v at least 1
         * @return this builder
         */
        public Builder batchSize(int v) {
            this.batchSize = v;
            return this;
        }

        /**
         * The peak learning rate (after warm-up).
         *
         * @param v positive
         * @return this builder
         */
        public Builder learningRate(double v) {
            this.learningRate = v;
            return this;
        }

        /**
         * The learning rate the cosine schedule ends at.
         *
         * @param v in [0, learningRate]
         * @return this builder
         */
        public Builder finalLearningRate(double v) {
            this.finalLearningRate = v;
            return this;
        }

        /**
         * The length of the linear warm-up, in epochs.
         *
         * @param v in [0, epochs]
         * @return this builder
         */
        public Builder warmupEpochs(double v) {
            this.warmupEpochs = v;
            return this;
        }

        /**
         * Decoupled weight decay per step, times the learning rate (biases are not decayed).
         *
         * @param v non-negative
         * @return this builder
         */
        public Builder weightDecay(double v) {
            this.weightDecay = v;
            return this;
        }

        /**
         * The global gradient-norm bound (0 disables clipping).
         *
         * @param v non-negative
         * @return this builder
         */
        public Builder clipNorm(double v) {
            this.clipNorm = v;
            return this;
        }

        /**
         * Weight of the penalty on the mean square of the inputs of every square layer.
         *
         * @param v non-negative
         * @return this builder
         */
        public Builder activationPenalty(double v) {
            this.activationPenalty = v;
            return this;
        }

        /**
         * The largest random shift of a training image, in pixels, both ways (0 disables augmentation).
         *
         * @param v in [0, 4]
         * @return this builder
         */
        public Builder shift(int v) {
            this.shift = v;
            return this;
        }

        /**
         * Worker threads; results do not depend on it.
         *
         * @param v at least 1
         * @return this builder
         */
        public Builder threads(int v) {
            this.threads = v;
            return this;
        }

        /**
         * The seed of initialisation, shuffling and augmentation.
         *
         * @param v any value
         * @return this builder
         */
        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        /**
         * The standard deviation every parameterised layer's output is scaled to at initialisation.
         *
         * @param v positive
         * @return this builder
         */
        public Builder initStd(double v) {
            this.initStd = v;
            return this;
        }

        /**
         * Whether to initialise the parameters (true, the default) or start from the given network's
         * (to continue training).
         *
         * @param v the choice
         * @return this builder
         */
        public Builder initialize(boolean v) {
            this.initialize = v;
            return this;
        }

        /**
         * Where per-epoch progress goes (standard error), or null for none.
         *
         * @param v the stream
         * @return this builder
         */
        public Builder log(PrintStream v) {
            this.log = v;
            return this;
        }

        /**
         * Where each batch is reported, besides the lines of {@link #log}: the task "training", one
         * unit per batch of every epoch (on a resumed run, of those still to do). The weights are
         * the same with any progress.
         *
         * @param v the progress ({@link Progress#none()} by default)
         * @return this builder
         */
        public Builder progress(Progress v) {
            this.progress = v;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the trainer
         * @throws IllegalArgumentException naming the first bad option and its value
         */
        public Trainer build() {
            check(epochs >= 1, "epochs", epochs, ">= 1");
            check(batchSize >= 1, "batchSize", batchSize, ">= 1");
            check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "> 0");
            check(finalLearningRate >= 0 && finalLearningRate <= learningRate, "finalLearningRate", finalLearningRate,
                    "in [0, learningRate]");
            check(warmupEpochs >= 0 && warmupEpochs <= epochs, "warmupEpochs", warmupEpochs, "in [0, epochs]");
            check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, ">= 0");
            check(clipNorm >= 0 && Double.isFinite(clipNorm), "clipNorm", clipNorm, ">= 0");
            check(activationPenalty >= 0 && Double.isFinite(activationPenalty), "activationPenalty", activationPenalty,
                    ">= 0");
            check(shift >= 0 && shift <= 4, "shift", shift, "in [0, 4]");
            check(threads >= 1, "threads", threads, ">= 1");
            check(initStd > 0 && Double.isFinite(initStd), "initStd", initStd, "> 0");
            check(progressInterval != null && !progressInterval.isNegative() && !progressInterval.isZero(),
                    "progressInterval", progressInterval, "positive");
            check(progress != null, "progress", null, "a Progress (Progress.none() for none)");
            check(checkpointInterval != null && !checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                    "checkpointInterval", checkpointInterval, "positive");
            return new Trainer(this);
        }

        private static void check(boolean ok, String name, Object value, String expected) {
            if (!ok) {
                throw new IllegalArgumentException("trainer: " + name + " = " + value + ", expected " + expected);
            }
        }
    }

    /**
     * Trains a network.
     *
     * @param start the architecture (and, unless re-initialisation is off, nothing else: its
     *              parameters are replaced); its metadata is kept, pixel scale included
     * @param train the training images
     * @param test  test images, evaluated after every epoch, or null
     * @return the trained network and the per-epoch history
     * @throws IllegalArgumentException when the images do not fit the network
     * @throws IllegalStateException    when the loss becomes non-finite (training diverged)
     */
    public Result train(Network start, LabeledImages train, LabeledImages test) {
        start.requireCompatible(train);
        if (test != null) {
            start.requireCompatible(test);
        }
        if (start.outputShape().size() < train.classes()) {
            throw new IllegalArgumentException("network has " + start.outputShape().size() + " outputs, the data "
                    + train.classes() + " classes");
        }
        long t0 = System.nanoTime();
        Model model = new Model(start);
        AdamW opt = new AdamW(model, clipNorm, weightDecay);
        int n = train.count();
        int stepsPerEpoch = (n + batchSize - 1) / batchSize;
        long totalSteps = (long) stepsPerEpoch * epochs;
        long warmupSteps = Math.round(warmupEpochs * stepsPerEpoch);
        TrainingCheckpoint.State state;
        if (resume != null) {
            TrainingCheckpoint cp = read(resume);
            cp.requireMatches(resume, fingerprint, model, train);
            state = cp.restore(model, opt);
            if (log != null) {
                log.printf(Locale.ROOT, "resuming from %s: epoch %d, batch %d of %d%n", resume, state.epoch,
                        state.batch, stepsPerEpoch);
            }
        } else {
            if (initialize) {
                initialize(model, train);
            }
            state = new TrainingCheckpoint.State();
        }
        progress.start("training", totalSteps - state.step);
        try (BatchRunner runner = new BatchRunner(model, threads, batchSize, shift, flip, seed, activationPenalty, fast)) {
            int[] order = new int[n];
            long runStart = System.nanoTime();
            long stepsThisRun = 0;
            long lastProgress = runStart;
            long lastSave = runStart;
            for (int epoch = state.epoch; epoch <= epochs; epoch++) {
                long e0 = System.nanoTime();
                Seeds.shuffle(order, Seeds.mix(seed, epoch, -1));
                boolean resumedHere = epoch == state.epoch;
                double lossSum = resumedHere ? state.lossSum : 0;
                int correct = resumedHere ? state.correct : 0;
                double priorEpochSeconds = resumedHere ? state.epochSeconds : 0;
                double lr = learningRate;
                for (int b = resumedHere ? state.batch : 0; b < stepsPerEpoch; b++) {
                    int from = b * batchSize;
                    int to = Math.min(n, from + batchSize);
                    lr = learningRate(state.step, warmupSteps, totalSteps);
                    BatchRunner.BatchResult br = runner.runBatch(train, order, from, to, epoch);
                    if (!Double.isFinite(br.loss)) {
                        throw new IllegalStateException("training diverged: loss " + br.loss + " at epoch " + epoch
                                + ", batch " + b + " (try a lower learning rate or initStd)");
                    }
                    lossSum += br.loss;
                    correct += br.correct;
                    opt.step(br.gradient, to - from, lr);
                    state.step++;
                    stepsThisRun++;
                    progress.advance(1);
                    long now = System.nanoTime();
                    if (log != null && now - lastProgress >= progressInterval.toNanos() && b + 1 < stepsPerEpoch) {
                        lastProgress = now;
                        double perStep = (now - runStart) / 1e9 / stepsThisRun;
                        log.printf(Locale.ROOT, "epoch %3d/%d  %5.1f%% (%d/%d batches)  loss %.4f  train %6.2f%%  ETA %s%n",
                                epoch, epochs, 100.0 * (b + 1) / stepsPerEpoch, b + 1, stepsPerEpoch,
                                lossSum / Math.min(n, to), 100.0 * correct / Math.min(n, to),
                                formatDuration(perStep * (totalSteps - state.step)));
                        log.flush();
                    }
                    boolean interrupt = interruptAfterSteps > 0 && state.step == interruptAfterSteps;
                    if (checkpoint != null && (now - lastSave >= checkpointInterval.toNanos() || interrupt)
                            && b + 1 < stepsPerEpoch) {
                        lastSave = now;
                        state.epoch = epoch;
                        state.batch = b + 1;
                        state.lossSum = lossSum;
                        state.correct = correct;
                        state.epochSeconds = priorEpochSeconds + (now - e0) / 1e9;
                        state.seconds += (now - t0) / 1e9;
                        t0 = now;
                        save(model, opt, state, train);
                    }
                    if (interrupt) {
                        throw new Interrupted(state.step);
                    }
                }
                double testAcc = test == null ? Double.NaN : runner.accuracy(test);
                long now = System.nanoTime();
                EpochStats stats = new EpochStats(epoch, lossSum / n, (double) correct / n, testAcc, lr,
                        priorEpochSeconds + (now - e0) / 1e9);
                state.history.add(stats);
                if (log != null) {
                    double perStep = (now - runStart) / 1e9 / Math.max(1, stepsThisRun);
                    log.println(stats.format(epochs)
                            + (epoch < epochs ? "  ETA " + formatDuration(perStep * (totalSteps - state.step)) : ""));
                    log.flush();
                    lastProgress = now;
                }
                if (checkpoint != null) {
                    lastSave = now;
                    state.epoch = epoch + 1;
                    state.batch = 0;
                    state.lossSum = 0;
                    state.correct = 0;
                    state.epochSeconds = 0;
                    state.seconds += (now - t0) / 1e9;
                    t0 = now;
                    save(model, opt, state, train);
                }
            }
            return new Result(model.toNetwork(), state.history, state.seconds + (System.nanoTime() - t0) / 1e9);
        } finally {
            progress.done();
        }
    }

    private static TrainingCheckpoint read(Path file) {
        try {
            return TrainingCheckpoint.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume: " + e.getMessage(), e);
        }
    }

    private void save(Model model, AdamW opt, TrainingCheckpoint.State state, LabeledImages train) {
        try {
            TrainingCheckpoint.write(checkpoint, fingerprint, model, opt, state, train);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** {@code 1h02m}, {@code 4m05s} or {@code 12s}. */
    static String formatDuration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }

    /** The cosine schedule with linear warm-up, at optimiser step {@code step} (0-based). */
    double learningRate(long step, long warmupSteps, long totalSteps) {
        double cosine;
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        long span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / span);
        cosine = 0.5 * (1 + StrictMath.cos(Math.PI * progress));
        return finalLearningRate + (learningRate - finalLearningRate) * cosine;
    }

    // ---- model state ----

    /** The trainer's mutable copy of a network's parameters. */
    static final class Model {
        final Network template;
        final List<Layer> layers;
        final Shape[] shapes;
        final double[][] params;

        Model(Network net) {
            this.template = net;
            this.layers = net.layers();
            this.shapes = new Shape[layers.size() + 1];
            this.params = new double[layers.size()][];
            shapes[0] = net.inputShape();
            for (int i = 0; i < layers.size(); i++) {
                shapes[i + 1] = net.outputShape(i);
                params[i] = layers.get(i).parameters().clone();
            }
        }

        Network toNetwork() {
            List<Layer> out = new ArrayList<>(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                out.add(layers.get(i).withParameters(params[i]));
            }
            return Network.of(template.inputShape(), out, template.info());
        }

        double[][] newGradient() {
            double[][] g = new double[params.length][];
            for (int i = 0; i < params.length; i++) {
                g[i] = new double[params[i].length];
            }
            return g;
        }
    }

    // ---- initialisation ----

    private void initialize(Model model, LabeledImages train) {
        SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, 0, -2));
        int samples = Math.min(INIT_SAMPLES, train.count());
        InputNormalization norm = model.template.info().normalization();
        double[][] acts = new double[model.shapes.length][];
        for (int i = 0; i < acts.length; i++) {
            acts[i] = new double[model.shapes[i].size()];
        }
        for (int l = 0; l < model.layers.size(); l++) {
            Layer layer = model.layers.get(l);
            if (layer.parameterCount() == 0) {
                continue;
            }
            double[] p = model.params[l];
            int nw = layer.weightCount();
            int fanIn = nw / (layer instanceof Conv2d c ? c.outChannels() : ((Dense) layer).outputs());
            double sd = 1.0 / Math.sqrt(fanIn);
            for (int k = 0; k < nw; k++) {
                p[k] = Seeds.gaussian(rnd) * sd;
            }
            Arrays.fill(p, nw, p.length, 0.0);
            // Measure this layer's output spread on real images, through the already scaled layers.
            double sum = 0;
            double sumSq = 0;
            long count = 0;
            for (int s = 0; s < samples; s++) {
                norm.apply(train, s, acts[0]);
                for (int j = 0; j <= l; j++) {
                    model.layers.get(j).forward(model.shapes[j], model.params[j], acts[j], acts[j + 1]);
                }
                for (double v : acts[l + 1]) {
                    sum += v;
                    sumSq += v * v;
                }
                count += acts[l + 1].length;
            }
            double mean = sum / count;
            double std = Math.sqrt(Math.max(sumSq / count - mean * mean, 1e-30));
            double f = initStd / std;
            for (int k = 0; k < nw; k++) {
                p[k] *= f;
            }
        }
    }


}
