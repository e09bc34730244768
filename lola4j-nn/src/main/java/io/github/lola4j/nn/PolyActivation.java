package io.github.lola4j.nn;

/**
 * A quadratic activation {@code y = a*x^2 + b*x + c}, element-wise, with fixed coefficients (not
 * trained). Under encryption it costs one ciphertext product, like {@link Square}, plus scalar
 * operations. Keeps the input shape.
 */
public final class PolyActivation extends Layer {
    private final double a;
    private final double b;
    private final double c;

    private PolyActivation(double a, double b, double c) {
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /**
     * Creates the activation {@code a*x^2 + b*x + c}.
     *
     * @param a the quadratic coefficient
     * @param b the linear coefficient
     * @param c the constant
     * @return the layer
     * @throws IllegalArgumentException when a coefficient is not finite
     */
    public static PolyActivation of(double a, double b, double c) {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("poly: coefficients must be finite, got a=" + a + " b=" + b + " c=" + c);
        }
        return new PolyActivation(a, b, c);
    }

    /** The quadratic coefficient. */
    public double a() {
        return a;
    }

    /** The linear coefficient. */
    public double b() {
        return b;
    }

    /** The constant term. */
    public double c() {
        return c;
    }

    @Override
    public String kind() {
        return "poly";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String toString() {
        return "poly " + a + "*x^2 + " + b + "*x + " + c;
    }

    @Override
    void forward(Shape in, double[] p, double[] x, double[] y) {
        int n = in.size();
        for (int i = 0; i < n; i++) {
            double v = x[i];
            y[i] = (a * v + b) * v + c;
        }
    }

    @Override
    void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        if (gx == null) {
            return;
        }
        int n = in.size();
        for (int i = 0; i < n; i++) {
            gx[i] = (2.0 * a * x[i] + b) * gy[i];
        }
    }
}
