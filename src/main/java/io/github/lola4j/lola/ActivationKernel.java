package io.github.lola4j.lola;

import java.util.List;

/**
 * A quadratic activation a X^2 + b X + c applied to every slot, with one ciphertext product per
 * ciphertext and one level. With the input's pending affine factor (X = alpha x + beta for the
 * stored x) the polynomial in x is A x^2 + B x + C; the kernel computes x (x + B / A), at no extra
 * level, and leaves A and C pending for the next linear kernel (or the client) to apply. Slots that
 * hold zero stay zero, so the representation and its fill are unchanged. A square is a = 1,
 * b = c = 0.
 */
final class ActivationKernel extends Kernel {

    private final String label;
    private final double quadratic;  // A
    private final double linearOverQuadratic; // B / A
    private final double constant;   // C

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
    }

    @Override
    String kind() {
        return "activation";
    }

    @Override
    String describe() {
        return "activation " + label + ": " + input().ciphertexts() + " ciphertext product" + (input().ciphertexts() > 1 ? "s" : "")
                + (linearOverQuadratic != 0 ? " of x (x + " + String.format("%.4g", linearOverQuadratic) + ")" : " (square)");
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
            return ops.rescale(ops.multiply(x, y));
        });
    }
}
