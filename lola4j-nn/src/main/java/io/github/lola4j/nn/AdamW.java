package io.github.lola4j.nn;

/**
 * Adam with decoupled weight decay (AdamW, Loshchilov and Hutter 2019) and global gradient-norm
 * clipping, updating a {@link Trainer.Model}'s parameters in place.
 *
 * <p>Biases are not decayed: decay pulls towards zero, which for a bias only shifts the output.
 * The bias corrections use running products of beta rather than {@code pow}, so every step is a
 * fixed sequence of IEEE operations (the trainer's determinism).
 */
final class AdamW {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private final Trainer.Model model;
    private final double clipNorm;
    private final double weightDecay;
    private final double[][] m;
    private final double[][] v;
    private double beta1Power = 1;
    private double beta2Power = 1;

    /**
     * @param model       the parameters to update
     * @param clipNorm    the global gradient-norm bound, 0 for none
     * @param weightDecay the decoupled decay factor (times the learning rate per step)
     */
    AdamW(Trainer.Model model, double clipNorm, double weightDecay) {
        this.model = model;
        this.clipNorm = clipNorm;
        this.weightDecay = weightDecay;
        this.m = model.newGradient();
        this.v = model.newGradient();
    }

    /** The first moments, per layer (live arrays, for checkpoints). */
    double[][] firstMoment() {
        return m;
    }

    /** The second moments, per layer (live arrays, for checkpoints). */
    double[][] secondMoment() {
        return v;
    }

    double beta1Power() {
        return beta1Power;
    }

    double beta2Power() {
        return beta2Power;
    }

    /** Sets the running products of beta that a checkpoint saved. */
    void restoreBiasProducts(double b1, double b2) {
        this.beta1Power = b1;
        this.beta2Power = b2;
    }

    /**
     * One step.
     *
     * @param gradSum the gradient summed over the batch (modified: divided by {@code batch})
     * @param batch   the number of samples summed
     * @param lr      the learning rate of this step
     */
    void step(double[][] gradSum, int batch, double lr) {
        double inv = 1.0 / batch;
        double normSq = 0;
        for (double[] g : gradSum) {
            for (int k = 0; k < g.length; k++) {
                g[k] *= inv;
                normSq += g[k] * g[k];
            }
        }
        double norm = Math.sqrt(normSq);
        double clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        beta1Power *= BETA1;
        beta2Power *= BETA2;
        double c1 = 1.0 / (1 - beta1Power);
        double c2 = 1.0 / (1 - beta2Power);
        for (int l = 0; l < gradSum.length; l++) {
            double[] p = model.params[l];
            double[] g = gradSum[l];
            double[] ml = m[l];
            double[] vl = v[l];
            int nw = model.layers.get(l).weightCount();
            for (int k = 0; k < p.length; k++) {
                double gk = g[k] * clip;
                ml[k] = BETA1 * ml[k] + (1 - BETA1) * gk;
                vl[k] = BETA2 * vl[k] + (1 - BETA2) * gk * gk;
                double update = (ml[k] * c1) / (Math.sqrt(vl[k] * c2) + EPSILON);
                if (k < nw && weightDecay > 0) {
                    update += weightDecay * p[k];
                }
                p[k] -= lr * update;
            }
        }
    }
}
