package io.github.lola4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A network's plaintext accuracy on a labelled image set, with the largest absolute value each
 * layer produced (the headroom an encrypted evaluation must provide).
 *
 * @param count       images evaluated
 * @param correct     images whose predicted class equals the label
 * @param seconds     wall-clock time of the evaluation
 * @param maxAbsInput the largest absolute input value
 * @param maxAbs      per layer, the largest absolute value of its output over all images
 */
public record Evaluation(int count, int correct, double seconds, double maxAbsInput, double[] maxAbs) {

    /**
     * Copies the array.
     *
     * @param count       images evaluated
     * @param correct     correct predictions
     * @param seconds     time
     * @param maxAbsInput largest absolute input
     * @param maxAbs      per-layer largest absolute outputs
     */
    public Evaluation {
        maxAbs = maxAbs.clone();
    }

    /** The accuracy as a fraction, {@code correct / count}. */
    public double accuracy() {
        return (double) correct / count;
    }

    /** A copy of the per-layer largest absolute outputs. */
    @Override
    public double[] maxAbs() {
        return maxAbs.clone();
    }

    /**
     * Evaluates {@code net} on the first {@code limit} images of {@code images}.
     *
     * @param net     the network (its metadata's pixel scale preprocesses the images)
     * @param images  the labelled images
     * @param limit   how many images, from the first; 0 or more than available means all
     * @param threads worker threads, at least 1
     * @return the result
     * @throws IllegalArgumentException when the images do not fit the network or {@code threads < 1}
     */
    public static Evaluation run(Network net, LabeledImages images, int limit, int threads) {
        net.requireCompatible(images);
        if (threads < 1) {
            throw new IllegalArgumentException("evaluation: threads = " + threads + ", expected >= 1");
        }
        long t0 = System.nanoTime();
        int n = limit <= 0 || limit > images.count() ? images.count() : limit;
        int parts = Math.min(threads, n);
        Partial[] results = new Partial[parts];
        if (parts == 1) {
            results[0] = evaluateRange(net, images, 0, n);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(parts, r -> {
                Thread t = new Thread(r, "lola4j-eval");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Partial>> futures = new ArrayList<>();
                for (int p = 0; p < parts; p++) {
                    int from = (int) ((long) n * p / parts);
                    int to = (int) ((long) n * (p + 1) / parts);
                    futures.add(pool.submit(() -> evaluateRange(net, images, from, to)));
                }
                for (int p = 0; p < parts; p++) {
                    results[p] = futures.get(p).get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("evaluation interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("evaluation failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        int correct = 0;
        double maxIn = 0;
        double[] maxAbs = new double[net.layers().size()];
        for (Partial p : results) {
            correct += p.correct;
            maxIn = Math.max(maxIn, p.maxAbs[0]);
            for (int l = 0; l < maxAbs.length; l++) {
                maxAbs[l] = Math.max(maxAbs[l], p.maxAbs[l + 1]);
            }
        }
        return new Evaluation(n, correct, (System.nanoTime() - t0) / 1e9, maxIn, maxAbs);
    }

    private static final class Partial {
        int correct;
        double[] maxAbs;
    }

    /** Images evaluated side by side: long enough inner loops for the JIT, a few MiB of activations. */
    private static final int CHUNK = 16;

    /*
     * Chunks of images run through Layer.forwardBatch (sample-minor layout), which performs for
     * every image exactly the operations of Layer.forward in the same order: the scores, and so the
     * accuracy, are those of one image at a time, bit for bit, at a fraction of the time.
     */
    private static Partial evaluateRange(Network net, LabeledImages images, int from, int to) {
        List<Layer> layers = net.layers();
        int chunk = Math.min(CHUNK, Math.max(1, to - from));
        double[][] acts = new double[layers.size() + 1][];
        acts[0] = new double[net.inputShape().size() * chunk];
        for (int l = 0; l < layers.size(); l++) {
            acts[l + 1] = new double[net.outputShape(l).size() * chunk];
        }
        double[] one = new double[net.inputShape().size()];
        double[] scores = new double[net.outputShape().size()];
        Partial p = new Partial();
        p.maxAbs = new double[acts.length];
        InputNormalization norm = net.info().normalization();
        for (int i0 = from; i0 < to; i0 += chunk) {
            int n = Math.min(chunk, to - i0);
            for (int s = 0; s < n; s++) {
                norm.apply(images, i0 + s, one);
                for (int j = 0; j < one.length; j++) {
                    acts[0][j * n + s] = one[j];
                }
            }
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                layer.forwardBatch(net.inputShape(l), layer.parameters(), acts[l], acts[l + 1], n);
            }
            for (int l = 0; l < acts.length; l++) {
                int size = (l == 0 ? net.inputShape() : net.outputShape(l - 1)).size() * n;
                double m = p.maxAbs[l];
                double[] a = acts[l];
                for (int k = 0; k < size; k++) {
                    m = Math.max(m, Math.abs(a[k]));
                }
                p.maxAbs[l] = m;
            }
            double[] out = acts[acts.length - 1];
            for (int s = 0; s < n; s++) {
                for (int k = 0; k < scores.length; k++) {
                    scores[k] = out[k * n + s];
                }
                if (Tensor.argmax(scores) == images.label(i0 + s)) {
                    p.correct++;
                }
            }
        }
        return p;
    }
}
