package io.github.lola4j.nn;

/**
 * The square activation {@code y = x*x}, element-wise: the cheapest non-linearity under
 * homomorphic encryption (one ciphertext product). Keeps the input shape; has no parameters.
 */
public final class Square extends Layer {

    /** The single instance (the layer has no state). */
    public static final Square INSTANCE = new Square();

    private Square() {
    }

    @Override
    public String kind() {
        return "square";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String toString() {
        return "square";
    }

    @Override
    void forward(Shape in, double[] p, double[] x, double[] y) {
        int n = in.size();
        for (int i = 0; i < n; i++) {
            y[i] = x[i] * x[i];
        }
    }

    @Override
    void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        if (gx == null) {
            return;
        }
        int n = in.size();
        for (int i = 0; i < n; i++) {
            gx[i] = 2.0 * x[i] * gy[i];
        }
    }

    /** Element-wise, so the sample-minor layout changes nothing. */
    @Override
    void forwardBatch(Shape in, double[] p, double[] x, double[] y, int n) {
        int m = in.size() * n;
        for (int i = 0; i < m; i++) {
            y[i] = x[i] * x[i];
        }
    }

    @Override
    void backwardBatch(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        if (gx == null) {
            return;
        }
        int m = in.size() * n;
        for (int i = 0; i < m; i++) {
            gx[i] = 2.0 * x[i] * gy[i];
        }
    }
}
