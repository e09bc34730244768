package io.github.lola4j.nn;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Multinomial logistic regression on feature vectors: the private linear classifier of the
 * deep-features setting, a dense layer from the features to one score per class.
 *
 * <p>It minimises {@code sum_i CE(W x_i + b, y_i) + |W|^2 / (2 C)} (the bias is not penalised),
 * scikit-learn's {@code LogisticRegression(C)} objective, with L-BFGS (ten pairs of memory,
 * backtracking line search under the Armijo condition) until the largest gradient entry is below
 * the tolerance or the iteration limit is reached. The problem is convex, so the result does not
 * depend on a seed; the gradient is summed over fixed chunks in a fixed order, so it does not
 * depend on the thread count either.
 */
public final class SoftmaxRegression {

    private static final int MEMORY = 10;
    private static final int CHUNK = 64;

    private final double c;
    private final int maxIterations;
    private final double tolerance;
    private final int threads;
    private final PrintStream log;

    private SoftmaxRegression(double c, int maxIterations, double tolerance, int threads, PrintStream log) {
        this.c = c;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
        this.threads = threads;
        this.log = log;
    }

    /**
     * A regression.
     *
     * @param c             the inverse regularisation strength (scikit-learn's C), in (0, 1e12]
     * @param maxIterations the most L-BFGS iterations, 1..1,000,000
     * @param tolerance     stop when every gradient entry is smaller, in (0, 1)
     * @param threads       threads summing the gradient, 1..4096
     * @param log           where a line per 100 iterations and the final line go, or null
     * @return the regression
     * @throws IllegalArgumentException naming the parameter out of range
     */
    public static SoftmaxRegression of(double c, int maxIterations, double tolerance, int threads, PrintStream log) {
        if (!(c > 0 && c <= 1e12)) {
            throw new IllegalArgumentException("SoftmaxRegression: C is " + c + ", expected in (0, 1e12]");
        }
        if (maxIterations < 1 || maxIterations > 1_000_000) {
            throw new IllegalArgumentException("SoftmaxRegression: maxIterations is " + maxIterations + ", expected 1..1000000");
        }
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("SoftmaxRegression: tolerance is " + tolerance + ", expected in (0, 1)");
        }
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("SoftmaxRegression: threads is " + threads + ", expected 1..4096");
        }
        return new SoftmaxRegression(c, maxIterations, tolerance, threads, log);
    }

    /**
     * What {@link #fit} returns.
     *
     * @param network    one dense layer, features to classes
     * @param iterations the iterations run
     * @param objective  the objective reached
     * @param gradient   the largest gradient entry at the end
     * @param converged  whether the gradient fell below the tolerance
     */
    public record Fit(Network network, int iterations, double objective, double gradient, boolean converged) {
    }

    /**
     * Fits the classifier.
     *
     * @param train the training features
     * @param info  the network's metadata
     * @return the fitted network and how the optimisation ended
     */
    public Fit fit(LabeledFeatures train, ModelInfo info) {
        int d = train.dimension();
        int k = train.classes();
        int n = train.count();
        double[][] x = new double[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = train.features(i);
            y[i] = train.label(i);
        }
        int size = k * d + k;
        double[] w = new double[size];
        double[] g = new double[size];
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lola4j-softmax-regression");
            t.setDaemon(true);
            return t;
        }) : null;
        try {
            double f = objective(w, g, x, y, k, d, pool);
            double[][] s = new double[MEMORY][];
            double[][] dy = new double[MEMORY][];
            double[] rho = new double[MEMORY];
            int stored = 0;
            int next = 0;
            int it = 0;
            double gmax = maxAbs(g);
            double[] wNew = new double[size];
            double[] gNew = new double[size];
            while (gmax >= tolerance && it < maxIterations) {
                double[] p = direction(g, s, dy, rho, stored, next);
                double slope = dot(p, g);
                if (slope >= 0) {
                    // not a descent direction (memory gone stale): restart from the gradient
                    stored = 0;
                    for (int i = 0; i < size; i++) {
                        p[i] = -g[i];
                    }
                    slope = dot(p, g);
                }
                double step = it == 0 ? 1 / Math.max(1e-12, Math.sqrt(-slope)) : 1;
                double fNew;
                int backtracks = 0;
                while (true) {
                    for (int i = 0; i < size; i++) {
                        wNew[i] = w[i] + step * p[i];
                    }
                    fNew = objective(wNew, gNew, x, y, k, d, pool);
                    if (fNew <= f + 1e-4 * step * slope || backtracks++ > 60) {
                        break;
                    }
                    step *= 0.5;
                }
                double[] sv = new double[size];
                double[] yv = new double[size];
                for (int i = 0; i < size; i++) {
                    sv[i] = wNew[i] - w[i];
                    yv[i] = gNew[i] - g[i];
                }
                double sy = dot(sv, yv);
                if (sy > 1e-12 * dot(yv, yv)) {
                    s[next] = sv;
                    dy[next] = yv;
                    rho[next] = 1 / sy;
                    next = (next + 1) % MEMORY;
                    stored = Math.min(MEMORY, stored + 1);
                }
                System.arraycopy(wNew, 0, w, 0, size);
                System.arraycopy(gNew, 0, g, 0, size);
                double previous = f;
                f = fNew;
                gmax = maxAbs(g);
                it++;
                if (log != null && it % 100 == 0) {
                    log.printf(Locale.ROOT, "lbfgs     iteration %d: objective %.6f, largest gradient %.2e%n", it, f, gmax);
                }
                if (previous - f <= 0 && backtracks > 60) {
                    break;
                }
            }
            double[] weights = java.util.Arrays.copyOf(w, k * d);
            double[] bias = java.util.Arrays.copyOfRange(w, k * d, size);
            Network net = Network.of(Shape.of(d), List.of(Dense.of(d, k, weights, bias)), info);
            if (log != null) {
                log.printf(Locale.ROOT, "lbfgs     %s after %d iterations: objective %.6f, largest gradient %.2e (tolerance %.0e)%n",
                        gmax < tolerance ? "converged" : "stopped", it, f, gmax, tolerance);
            }
            return new Fit(net, it, f, gmax, gmax < tolerance);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** L-BFGS's two-loop recursion: minus the inverse-Hessian estimate times the gradient. */
    private static double[] direction(double[] g, double[][] s, double[][] y, double[] rho, int stored, int next) {
        double[] q = g.clone();
        double[] alpha = new double[MEMORY];
        for (int j = 0; j < stored; j++) {
            int i = Math.floorMod(next - 1 - j, MEMORY);
            alpha[i] = rho[i] * dot(s[i], q);
            axpy(-alpha[i], y[i], q);
        }
        if (stored > 0) {
            int last = Math.floorMod(next - 1, MEMORY);
            double gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
            for (int i = 0; i < q.length; i++) {
                q[i] *= gamma;
            }
        }
        for (int j = stored - 1; j >= 0; j--) {
            int i = Math.floorMod(next - 1 - j, MEMORY);
            double beta = rho[i] * dot(y[i], q);
            axpy(alpha[i] - beta, s[i], q);
        }
        for (int i = 0; i < q.length; i++) {
            q[i] = -q[i];
        }
        return q;
    }

    /**
     * The objective at w, its gradient written into g. Samples are cut into fixed chunks; each
     * chunk's loss and gradient are summed in order, then the chunks in order.
     */
    private double objective(double[] w, double[] g, double[][] x, int[] y, int k, int d, ExecutorService pool) {
        int n = x.length;
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[][] grads = new double[chunks][];
        double[] losses = new double[chunks];
        List<Future<?>> tasks = new ArrayList<>();
        for (int ch = 0; ch < chunks; ch++) {
            int from = ch * CHUNK;
            int to = Math.min(n, from + CHUNK);
            int id = ch;
            Runnable r = () -> {
                double[] gc = new double[w.length];
                losses[id] = chunk(w, gc, x, y, k, d, from, to);
                grads[id] = gc;
            };
            if (pool == null) {
                r.run();
            } else {
                tasks.add(pool.submit(r));
            }
        }
        for (Future<?> t : tasks) {
            try {
                t.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("SoftmaxRegression: interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("SoftmaxRegression: " + e.getCause(), e.getCause());
            }
        }
        java.util.Arrays.fill(g, 0);
        double loss = 0;
        for (int ch = 0; ch < chunks; ch++) {
            loss += losses[ch];
            axpy(1, grads[ch], g);
        }
        double penalty = 0;
        for (int i = 0; i < k * d; i++) {
            penalty += w[i] * w[i];
            g[i] += w[i] / c;
        }
        return loss + penalty / (2 * c);
    }

    private static double chunk(double[] w, double[] g, double[][] x, int[] y, int k, int d, int from, int to) {
        double loss = 0;
        double[] z = new double[k];
        for (int i = from; i < to; i++) {
            double[] xi = x[i];
            double max = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < k; o++) {
                double acc = w[k * d + o];
                int base = o * d;
                for (int j = 0; j < d; j++) {
                    acc += w[base + j] * xi[j];
                }
                z[o] = acc;
                max = Math.max(max, acc);
            }
            double sum = 0;
            for (int o = 0; o < k; o++) {
                z[o] = Math.exp(z[o] - max);
                sum += z[o];
            }
            loss += Math.log(sum) + max - (Math.log(z[y[i]]) + max);
            for (int o = 0; o < k; o++) {
                double p = z[o] / sum - (o == y[i] ? 1 : 0);
                int base = o * d;
                for (int j = 0; j < d; j++) {
                    g[base + j] += p * xi[j];
                }
                g[k * d + o] += p;
            }
        }
        return loss;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
