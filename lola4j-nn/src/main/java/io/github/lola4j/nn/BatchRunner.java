package io.github.lola4j.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parallel, deterministic part of one training run: forward and backward passes of a batch,
 * and test-set accuracy, over a {@link Trainer.Model}'s current parameters.
 *
 * <p>A batch is cut into fixed chunks of {@value #CHUNK} samples. Worker threads take chunks in any
 * order; each chunk accumulates its samples' gradients, in sample order, into its own buffer; the
 * buffers are then added in chunk order. The result is therefore bit-identical for any thread
 * count. Scratch arrays are per thread. One runner serves one training run; close it to stop its
 * threads.
 */
final class BatchRunner implements AutoCloseable {

    /** Samples per gradient chunk: the unit of parallel work, fixed so results do not depend on threads. */
    static final int CHUNK = 8;

    private final Trainer.Model model;
    private final ExecutorService pool;
    private final int threads;
    private final int shift;
    private final boolean flip;
    private final long seed;
    private final double activationPenalty;
    private final boolean fast;
    private final double[][][] chunkGradients;
    private final ThreadLocal<Workspace> workspaces = new ThreadLocal<>();

    /**
     * @param model             the parameters (read, never written)
     * @param threads           worker threads; 1 runs everything on the caller's thread
     * @param batchSize         the largest batch
     * @param shift             the largest random image shift in pixels (0: none)
     * @param seed              the augmentation seed
     * @param activationPenalty the weight of the mean-square penalty on square layers' inputs
     */
    BatchRunner(Trainer.Model model, int threads, int batchSize, int shift, long seed, double activationPenalty) {
        this(model, threads, batchSize, shift, false, seed, activationPenalty, false);
    }

    /**
     * @param flip whether training images are mirrored left-right with probability 1/2
     * @param fast the layers' fast passes (reordered sums) instead of the exact batched ones
     */
    BatchRunner(Trainer.Model model, int threads, int batchSize, int shift, boolean flip, long seed,
            double activationPenalty, boolean fast) {
        this.fast = fast;
        this.flip = flip;
        this.model = model;
        this.threads = threads;
        this.shift = shift;
        this.seed = seed;
        this.activationPenalty = activationPenalty;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lola4j-trainer");
            t.setDaemon(true);
            return t;
        }) : null;
        int chunks = (batchSize + CHUNK - 1) / CHUNK;
        this.chunkGradients = new double[chunks][][];
        for (int c = 0; c < chunks; c++) {
            chunkGradients[c] = model.newGradient();
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private Workspace workspace() {
        Workspace ws = workspaces.get();
        if (ws == null) {
            ws = new Workspace(model);
            workspaces.set(ws);
        }
        return ws;
    }

    /**
     * Per-thread scratch arrays: activations and back-propagated gradients of every layer for a
     * chunk of samples in the sample-minor layout of {@link Layer#forwardBatch}, and one sample's
     * input, output and output gradient.
     */
    private static final class Workspace {
        final double[][] acts;
        final double[] gradA;
        final double[] gradB;
        final double[] input;
        final double[] output;
        final double[] outputGrad;

        Workspace(Trainer.Model m) {
            acts = new double[m.shapes.length][];
            int max = 0;
            for (int i = 0; i < m.shapes.length; i++) {
                acts[i] = new double[m.shapes[i].size() * CHUNK];
                max = Math.max(max, m.shapes[i].size());
            }
            gradA = new double[max * CHUNK];
            gradB = new double[max * CHUNK];
            input = new double[m.shapes[0].size()];
            output = new double[m.shapes[m.shapes.length - 1].size()];
            outputGrad = new double[output.length];
        }
    }

    /** One batch's summed gradient (a buffer reused by the next batch), summed loss and correct count. */
    static final class BatchResult {
        final double[][] gradient;
        final double loss;
        final int correct;

        BatchResult(double[][] gradient, double loss, int correct) {
            this.gradient = gradient;
            this.loss = loss;
            this.correct = correct;
        }
    }

    /**
     * Forward and backward passes of the samples {@code order[from..to)}.
     *
     * @return the gradient summed over the batch in chunk order, the summed loss and the hits
     */
    BatchResult runBatch(LabeledImages data, int[] order, int from, int to, int epoch) {
        int size = to - from;
        int chunks = (size + CHUNK - 1) / CHUNK;
        double[] losses = new double[size];
        boolean[] hits = new boolean[size];
        runChunks(chunks, (ws, c) -> {
            double[][] g = chunkGradients[c];
            for (double[] a : g) {
                Arrays.fill(a, 0.0);
            }
            int s0 = c * CHUNK;
            int n = Math.min(size, s0 + CHUNK) - s0;
            int[] labels = new int[n];
            for (int s = 0; s < n; s++) {
                int idx = order[from + s0 + s];
                prepareInput(data, idx, epoch, ws.input);
                Layer.scatter(ws.input, ws.input.length, n, s, ws.acts[0]);
                labels[s] = data.label(idx);
            }
            chunk(ws, n, labels, g, losses, hits, s0);
        });
        double[][] total = chunkGradients[0];
        for (int c = 1; c < chunks; c++) {
            double[][] g = chunkGradients[c];
            for (int l = 0; l < total.length; l++) {
                double[] t = total[l];
                double[] a = g[l];
                for (int k = 0; k < t.length; k++) {
                    t[k] += a[k];
                }
            }
        }
        double loss = 0;
        int correct = 0;
        for (int s = 0; s < size; s++) {
            loss += losses[s];
            correct += hits[s] ? 1 : 0;
        }
        return new BatchResult(total, loss, correct);
    }

    /**
     * Forward and backward passes of the n samples in {@code ws.acts[0]}, side by side; adds their
     * parameter gradients to {@code g} in sample order (bit-identical to one sample after the
     * other) and records each sample's loss and hit at {@code at + s}.
     */
    private void chunk(Workspace ws, int n, int[] labels, double[][] g, double[] losses, boolean[] hits, int at) {
        List<Layer> layers = model.layers;
        int last = layers.size();
        for (int l = 0; l < last; l++) {
            forward(layers.get(l), l, ws, n);
        }
        double[] gy = ws.gradA;
        double[] gx = ws.gradB;
        int classes = ws.output.length;
        for (int s = 0; s < n; s++) {
            Layer.gather(ws.acts[last], classes, n, s, ws.output);
            losses[at + s] = Loss.softmaxCrossEntropy(ws.output, labels[s], ws.outputGrad);
            hits[at + s] = Tensor.argmax(ws.output) == labels[s];
            Layer.scatter(ws.outputGrad, classes, n, s, gy);
        }
        for (int l = last - 1; l >= 0; l--) {
            Layer layer = layers.get(l);
            boolean needGx = l > 0;
            if (fast) {
                layer.backwardFast(model.shapes[l], model.params[l], ws.acts[l], gy, needGx ? gx : null, g[l], n);
            } else {
                layer.backwardBatch(model.shapes[l], model.params[l], ws.acts[l], gy, needGx ? gx : null, g[l], n);
            }
            if (needGx && activationPenalty > 0 && layer instanceof Square) {
                // penalty lambda * mean(x^2) over the square's inputs x: gradient 2*lambda*x/f, per sample
                double[] x = ws.acts[l];
                int f = model.shapes[l].size();
                double factor = 2 * activationPenalty / f;
                for (int s = 0; s < n; s++) {
                    double pen = 0;
                    for (int k = s; k < f * n; k += n) {
                        pen += x[k] * x[k];
                        gx[k] += factor * x[k];
                    }
                    losses[at + s] += activationPenalty * pen / f;
                }
            }
            double[] t = gy;
            gy = gx;
            gx = t;
        }
    }

    private void forward(Layer layer, int l, Workspace ws, int n) {
        if (fast) {
            layer.forwardFast(model.shapes[l], model.params[l], ws.acts[l], ws.acts[l + 1], n);
        } else {
            layer.forwardBatch(model.shapes[l], model.params[l], ws.acts[l], ws.acts[l + 1], n);
        }
    }

    /**
     * Writes image {@code idx}, normalized and (when augmenting) shifted and mirrored, into
     * {@code out}. The shift is a random crop of the image padded by {@code shift} zeros (zero in
     * the normalized space), every channel alike; the draws for an image depend only on (seed,
     * epoch, image), and the flip is drawn after the shift so that shift-only training keeps the
     * draws it always had.
     */
    private void prepareInput(LabeledImages data, int idx, int epoch, double[] out) {
        model.template.info().normalization().apply(data, idx, out);
        if (shift == 0 && !flip) {
            return;
        }
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, epoch, idx));
        int dy = 0;
        int dx = 0;
        if (shift > 0) {
            dy = r.nextInt(2 * shift + 1) - shift;
            dx = r.nextInt(2 * shift + 1) - shift;
        }
        boolean mirror = flip && r.nextBoolean();
        if (dx == 0 && dy == 0 && !mirror) {
            return;
        }
        int rows = data.rows();
        int cols = data.cols();
        int plane = rows * cols;
        double[] src = Arrays.copyOf(out, data.imageSize());
        for (int ch = 0; ch < data.channels(); ch++) {
            int base = ch * plane;
            for (int rr = 0; rr < rows; rr++) {
                int sr = rr - dy;
                for (int cc = 0; cc < cols; cc++) {
                    int sc = (mirror ? cols - 1 - cc : cc) - dx;
                    out[base + rr * cols + cc] = (sr >= 0 && sr < rows && sc >= 0 && sc < cols)
                            ? src[base + sr * cols + sc] : 0.0;
                }
            }
        }
    }

    /** The fraction of {@code test} the current parameters classify correctly. */
    double accuracy(LabeledImages test) {
        int n = test.count();
        int chunkSize = 250;
        int chunks = (n + chunkSize - 1) / chunkSize;
        int[] correct = new int[chunks];
        InputNormalization norm = model.template.info().normalization();
        runChunks(chunks, (ws, c) -> {
            int s1 = Math.min(n, (c + 1) * chunkSize);
            int last = model.layers.size();
            for (int s0 = c * chunkSize; s0 < s1; s0 += CHUNK) {
                int m = Math.min(CHUNK, s1 - s0);
                for (int s = 0; s < m; s++) {
                    norm.apply(test, s0 + s, ws.input);
                    Layer.scatter(ws.input, ws.input.length, m, s, ws.acts[0]);
                }
                for (int l = 0; l < last; l++) {
                    forward(model.layers.get(l), l, ws, m);
                }
                for (int s = 0; s < m; s++) {
                    Layer.gather(ws.acts[last], ws.output.length, m, s, ws.output);
                    if (Tensor.argmax(ws.output) == test.label(s0 + s)) {
                        correct[c]++;
                    }
                }
            }
        });
        int total = 0;
        for (int c : correct) {
            total += c;
        }
        return (double) total / n;
    }

    private interface ChunkTask {
        void run(Workspace ws, int chunk);
    }

    /** Runs chunks 0..chunks-1, each exactly once, on the pool's threads (or this one). */
    private void runChunks(int chunks, ChunkTask task) {
        if (pool == null || chunks == 1) {
            Workspace ws = workspace();
            for (int c = 0; c < chunks; c++) {
                task.run(ws, c);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(threads, chunks);
        List<Future<?>> futures = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            futures.add(pool.submit(() -> {
                Workspace ws = workspace();
                for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                    task.run(ws, c);
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("training interrupted", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("training worker failed: " + cause, cause);
            }
        }
    }
}
