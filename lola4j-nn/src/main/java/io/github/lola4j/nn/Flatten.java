package io.github.lola4j.nn;

/**
 * Reshapes any tensor to a vector, channel-major: element {@code (m, r, c)} of a {@code C x H x W}
 * input becomes element {@code m*H*W + r*W + c}. Since tensors are stored in that order already,
 * no value moves. Has no parameters.
 */
public final class Flatten extends Layer {

    /** The single instance (the layer has no state). */
    public static final Flatten INSTANCE = new Flatten();

    private Flatten() {
    }

    @Override
    public String kind() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.size());
    }

    @Override
    public String toString() {
        return "flatten";
    }

    @Override
    void forward(Shape in, double[] p, double[] x, double[] y) {
        System.arraycopy(x, 0, y, 0, in.size());
    }

    @Override
    void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        if (gx != null) {
            System.arraycopy(gy, 0, gx, 0, in.size());
        }
    }

    /** Flattening renames features only; the sample-minor layout is the same bytes. */
    @Override
    void forwardBatch(Shape in, double[] p, double[] x, double[] y, int n) {
        System.arraycopy(x, 0, y, 0, in.size() * n);
    }

    @Override
    void backwardBatch(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        if (gx != null) {
            System.arraycopy(gy, 0, gx, 0, in.size() * n);
        }
    }
}
