package io.github.lola4j.lola;

import java.util.List;

/**
 * A quadratic activation a X^2 + b X + c applied to every slot, with one ciphertext product per
 * ciphertext and one level. With the input's pending affine factor (X = alpha x + beta for the
 * stored x) the polynomial in x is A x^2 + B x + C; the kernel computes x (x + B / A), at no extra
 * level, and leaves A and C pending for the next linear kernel (or the client) to apply. Slots that
 * hold zero stay zero, so the representation and its fill are unchanged. A square is a = 1,
 * b = c = 0.
 *
 * <p>Unrelinearized: the products are left at degree 2 and not rescaled, for the next linear
 * kernel, which relinearizes its outputs and rescales them twice ({@link BatchLinearKernel}). In
 * the batch representation a layer of 845 features followed by 100 outputs then pays 100 key
 * switches instead of 845 (and a third polynomial in its sums). The rescale waits because
 * rescaling a degree-2 ciphertext multiplies its rounding error by s^2, about 100 times the error
 * of rescaling a degree-1 one at N = 8192 (measured: score errors of 0.33 instead of 0.002).
 */
final class ActivationKernel extends Kernel {

    private final String label;
    private final double quadratic;  // A
    private final double linearOverQuadratic; // B / A
    private final double constant;   // C
    private final boolean unrelinearized;

    /**
     * The activation.
     *
     * @param label what it computes, for reports
     * @param in    the input representation (also the output's)
     * @param alpha the input's pending factor
     * @param beta  the input's pending offset
     * @param a     the quadratic coefficient, non-zero
     * @param b     the linear coefficient
     * @param c     the constant
     */
    ActivationKernel(String label, Representation in, double alpha, double beta, double a, double b, double c) {
        this(label, in, alpha, beta, a, b, c, false);
    }

    /**
     * The activation, its products optionally left unrelinearized.
     *
     * @param label          what it computes, for reports
     * @param in             the input representation (also the output's)
     * @param alpha          the input's pending factor
     * @param beta           the input's pending offset
     * @param a              the quadratic coefficient, non-zero
     * @param b              the linear coefficient
     * @param c              the constant
     * @param unrelinearized leave the products at degree 2 and unrescaled (the next kernel must
     *                       relinearize and rescale twice)
     */
    ActivationKernel(String label, Representation in, double alpha, double beta, double a, double b, double c,
            boolean unrelinearized) {
        super(in, alpha, beta);
        if (a == 0 || alpha == 0) {
            throw new IllegalArgumentException("activation: the quadratic term vanishes (a = " + a + ", alpha = " + alpha
                    + "); such a layer is linear");
        }
        this.label = label;
        this.quadratic = a * alpha * alpha;
        double lin = 2 * a * alpha * beta + b * alpha;
        this.linearOverQuadratic = lin / quadratic;
        this.constant = a * beta * beta + b * beta + c;
        this.unrelinearized = unrelinearized;
    }

    /** Whether the products are left at degree 2. */
    boolean unrelinearized() {
        return unrelinearized;
    }

    @Override
    int outputDegree() {
        return unrelinearized ? 2 : 1;
    }

    @Override
    String kind() {
        return "activation";
    }

    @Override
    String describe() {
        return "activation " + label + ": " + input().ciphertexts() + " ciphertext product" + (input().ciphertexts() > 1 ? "s" : "")
                + (linearOverQuadratic != 0 ? " of x (x + " + String.format("%.4g", linearOverQuadratic) + ")" : " (square)")
                + (unrelinearized ? ", relinearized by the next layer" : "");
    }

    @Override
    Representation output() {
        return input();
    }

    @Override
    double outAlpha() {
        return quadratic;
    }

    @Override
    double outBeta() {
        return constant;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        return ops.parallel(in.size(), i -> {
            V x = in.get(i);
            V y = linearOverQuadratic == 0 ? x : ops.addConst(x, linearOverQuadratic);
            return unrelinearized ? ops.multiplyUnrelinearized(x, y) : ops.rescale(ops.multiply(x, y));
        });
    }
}
