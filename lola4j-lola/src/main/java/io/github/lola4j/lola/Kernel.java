package io.github.lola4j.lola;

import java.util.List;

/**
 * One step of a plan: a layer or a representation conversion on encrypted slots. A kernel is
 * written once against {@link SlotOps}, so the same code runs on ciphertexts, on its plaintext twin
 * and on the simulator that counts its operations, finds its depth and its exact rotation keys.
 *
 * <p>A tensor may carry a pending affine factor: the true values are alpha * v + beta for the stored
 * v. Activations produce one (their leading coefficient and constant term, so they cost one
 * product); the next linear kernel folds it into its weights, and the client applies what is left
 * after decryption.
 *
 * <p>Kernels are immutable and thread-safe; their plaintext operands are encoded once per level
 * and cached ({@link WeightVector}).
 */
abstract class Kernel {

    private final Representation input;
    private final double inAlpha;
    private final double inBeta;

    Kernel(Representation input, double inAlpha, double inBeta) {
        this.input = input;
        this.inAlpha = inAlpha;
        this.inBeta = inBeta;
    }

    /** A short identifier of the kernel kind, e.g. {@code diagonal}. */
    abstract String kind();

    /** A one-line description with the kernel's parameters, for plan reports. */
    abstract String describe();

    /** The representation the kernel reads. */
    final Representation input() {
        return input;
    }

    /** The representation it produces. */
    abstract Representation output();

    /** The pending factor of the input. */
    final double inAlpha() {
        return inAlpha;
    }

    /** The pending offset of the input. */
    final double inBeta() {
        return inBeta;
    }

    /** The pending factor of the output (1 after a linear kernel, which folds its input's). */
    double outAlpha() {
        return 1;
    }

    /** The pending offset of the output. */
    double outBeta() {
        return 0;
    }

    /** The degree of the ciphertexts it produces: 2 when it leaves products unrelinearized. */
    int outputDegree() {
        return 1;
    }

    /**
     * Runs the kernel.
     *
     * @param ops the slot operations (ciphertexts, twin or simulator)
     * @param in  one value per input ciphertext, all at one level and scale
     * @param <V> the value type
     * @return one value per output ciphertext
     */
    abstract <V> List<V> apply(SlotOps<V> ops, List<V> in);

    /** The smallest power of two at least n (n &ge; 1). */
    static int nextPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /** log2 of a power of two. */
    static int log2(int pow2) {
        return Integer.numberOfTrailingZeros(pow2);
    }

    /** A vector with the given values at the slots of every copy of every element of one ciphertext. */
    static double[] scatter(Representation r, int ct, double[] valuesPerElement) {
        double[] v = new double[r.slots()];
        for (int i = 0; i < r.size(); i++) {
            for (int k = 0; k < r.copies(i); k++) {
                if (r.ciphertext(i, k) == ct) {
                    v[r.slot(i, k)] = valuesPerElement[i];
                }
            }
        }
        return v;
    }

    /**
     * x o w, rescaled, then summed over a window by doubling: y += rot(y, sign * s) for s = 1, 2, ..
     * up to width / 2, so that a slot ends holding the sum of width consecutive products (LoLa's
     * rotate-and-sum; sign -1 sums the slots below, +1 the slots above).
     */
    static <V> V productWindowSum(SlotOps<V> ops, V x, WeightVector w, int width, int sign) {
        V y = ops.rescale(ops.multiplyPlainAndSum(List.of(x), List.of(w)));
        for (int s = 1; s < width; s <<= 1) {
            y = ops.add(y, ops.rotate(y, sign * s));
        }
        return y;
    }

    /** Whether all values are zero. */
    static boolean allZero(double[] v) {
        for (double d : v) {
            if (d != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return describe();
    }
}
