package io.github.lola4j.nn;

/**
 * Softmax cross-entropy, the training loss. StrictMath keeps results bit-identical however the JIT
 * compiles the code, which the trainer's determinism needs.
 */
final class Loss {

    private Loss() {
    }

    /**
     * The loss {@code -log softmax(logits)[label]} and its gradient {@code softmax(logits) - onehot(label)}.
     *
     * @param logits the scores (not modified)
     * @param label  the true class
     * @param grad   receives the gradient, {@code logits.length} entries (overwritten), or null
     * @return the loss
     */
    static double softmaxCrossEntropy(double[] logits, int label, double[] grad) {
        int n = logits.length;
        double max = logits[0];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += StrictMath.exp(logits[i] - max);
        }
        double logSum = StrictMath.log(sum);
        if (grad != null) {
            for (int i = 0; i < n; i++) {
                grad[i] = StrictMath.exp(logits[i] - max - logSum);
            }
            grad[label] -= 1.0;
        }
        return logSum - (logits[label] - max);
    }
}
