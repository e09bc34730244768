package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * Average pooling per channel, without padding: output {@code (m, r, c)} is the mean of the
 * {@code kernelRows x kernelCols} window starting at input row {@code r*strideRows} and column
 * {@code c*strideCols}. For {@code C x H x W} input the output is
 * {@code C x ((H-kernelRows)/strideRows+1) x ((W-kernelCols)/strideCols+1)}. Linear, no parameters
 * (under encryption: rotations and additions, then one scalar product).
 */
public final class AvgPool extends Layer {
    private final int kernelRows;
    private final int kernelCols;
    private final int strideRows;
    private final int strideCols;

    private AvgPool(int kernelRows, int kernelCols, int strideRows, int strideCols) {
        this.kernelRows = kernelRows;
        this.kernelCols = kernelCols;
        this.strideRows = strideRows;
        this.strideCols = strideCols;
    }

    /**
     * Creates an average pooling layer.
     *
     * @param kernelRows window height, positive
     * @param kernelCols window width, positive
     * @param strideRows vertical stride, positive
     * @param strideCols horizontal stride, positive
     * @return the layer
     * @throws IllegalArgumentException naming the first value that is not positive
     */
    public static AvgPool of(int kernelRows, int kernelCols, int strideRows, int strideCols) {
        String[] names = {"kernelRows", "kernelCols", "strideRows", "strideCols"};
        int[] values = {kernelRows, kernelCols, strideRows, strideCols};
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= 0) {
                throw new IllegalArgumentException("avgpool: " + names[i] + " = " + values[i] + ", expected > 0");
            }
        }
        return new AvgPool(kernelRows, kernelCols, strideRows, strideCols);
    }

    /** Window height. */
    public int kernelRows() {
        return kernelRows;
    }

    /** Window width. */
    public int kernelCols() {
        return kernelCols;
    }

    /** Vertical stride. */
    public int strideRows() {
        return strideRows;
    }

    /** Horizontal stride. */
    public int strideCols() {
        return strideCols;
    }

    @Override
    public String kind() {
        return "avgpool";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3 || in.dim(1) < kernelRows || in.dim(2) < kernelCols) {
            throw new IllegalArgumentException("avgpool: expects C x H x W with H >= " + kernelRows + " and W >= "
                    + kernelCols + ", got " + in);
        }
        return Shape.of(in.dim(0), (in.dim(1) - kernelRows) / strideRows + 1, (in.dim(2) - kernelCols) / strideCols + 1);
    }

    @Override
    public String toString() {
        return "avgpool " + kernelRows + "x" + kernelCols + " stride " + strideRows + "x" + strideCols;
    }

    @Override
    void forward(Shape in, double[] p, double[] x, double[] y) {
        int ch = in.dim(0), h = in.dim(1), w = in.dim(2);
        int ho = (h - kernelRows) / strideRows + 1, wo = (w - kernelCols) / strideCols + 1;
        double inv = 1.0 / (kernelRows * kernelCols);
        for (int m = 0; m < ch; m++) {
            for (int r = 0; r < ho; r++) {
                for (int c = 0; c < wo; c++) {
                    double s = 0;
                    for (int kr = 0; kr < kernelRows; kr++) {
                        int xr = (m * h + r * strideRows + kr) * w + c * strideCols;
                        for (int kc = 0; kc < kernelCols; kc++) {
                            s += x[xr + kc];
                        }
                    }
                    y[(m * ho + r) * wo + c] = s * inv;
                }
            }
        }
    }

    @Override
    void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        if (gx == null) {
            return;
        }
        int ch = in.dim(0), h = in.dim(1), w = in.dim(2);
        int ho = (h - kernelRows) / strideRows + 1, wo = (w - kernelCols) / strideCols + 1;
        double inv = 1.0 / (kernelRows * kernelCols);
        Arrays.fill(gx, 0, in.size(), 0.0);
        for (int m = 0; m < ch; m++) {
            for (int r = 0; r < ho; r++) {
                for (int c = 0; c < wo; c++) {
                    double g = gy[(m * ho + r) * wo + c] * inv;
                    for (int kr = 0; kr < kernelRows; kr++) {
                        int xr = (m * h + r * strideRows + kr) * w + c * strideCols;
                        for (int kc = 0; kc < kernelCols; kc++) {
                            gx[xr + kc] += g;
                        }
                    }
                }
            }
        }
    }
}
