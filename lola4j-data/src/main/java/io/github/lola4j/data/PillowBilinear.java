package io.github.lola4j.data;

/**
 * Pillow's bilinear resize of an 8-bit plane, to the bit: the convolution-based resampling of
 * Pillow's {@code Resample.c} (since Pillow 2.7) with the triangle filter. When shrinking, the
 * filter widens with the scale (antialiasing); weights are normalised per output pixel, turned
 * into 22-bit fixed point, and each pass rounds and clips to 8 bits: first along rows, then along
 * columns. The ImageNet networks' published preprocessing resizes with it, and features computed
 * from differently resized pixels differ, so lola4j reproduces it rather than using
 * {@code java.awt}'s interpolation.
 */
final class PillowBilinear {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowBilinear() {
    }

    /**
     * Resizes one plane.
     *
     * @param in   w x h values 0..255, row-major
     * @param w    the input width
     * @param h    the input height
     * @param outW the output width
     * @param outH the output height
     * @return outW x outH values 0..255, row-major
     */
    static int[] resize(int[] in, int w, int h, int outW, int outH) {
        int[] rows = in;
        if (outW != w) {
            Coefficients cx = Coefficients.of(w, outW);
            rows = new int[outW * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < outW; x++) {
                    rows[y * outW + x] = cx.apply(in, y * w, 1, x);
                }
            }
        }
        if (outH == h) {
            return rows;
        }
        Coefficients cy = Coefficients.of(h, outH);
        int[] out = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                out[y * outW + x] = cy.apply(rows, x, outW, y);
            }
        }
        return out;
    }

    /** For each output position: the first input position and its fixed-point weights. */
    private record Coefficients(int[] first, int[][] weights) {

        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle filter's support is 1
            int[] first = new int[outSize];
            int[][] weights = new int[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double ss = 1.0 / filterScale;
                // C's (int) casts truncate toward zero; both bounds are clamped to the input
                int xmin = Math.max(0, (int) (center - support + 0.5));
                int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
                double[] k = new double[Math.max(0, xmax)];
                double total = 0;
                for (int i = 0; i < k.length; i++) {
                    double d = Math.abs((i + xmin - center + 0.5) * ss);
                    k[i] = d < 1.0 ? 1.0 - d : 0.0;
                    total += k[i];
                }
                int[] fixed = new int[k.length];
                for (int i = 0; i < k.length; i++) {
                    double v = total != 0 ? k[i] / total : k[i];
                    fixed[i] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
                }
                first[o] = xmin;
                weights[o] = fixed;
            }
            return new Coefficients(first, weights);
        }

        /** Output position o from the input values at base + (first + i) * stride, rounded and clipped to 0..255. */
        int apply(int[] in, int base, int stride, int o) {
            int[] k = weights[o];
            int p = base + first[o] * stride;
            int acc = 1 << (PRECISION_BITS - 1);
            for (int i = 0; i < k.length; i++) {
                acc += in[p + i * stride] * k[i];
            }
            int v = acc >> PRECISION_BITS;
            return v < 0 ? 0 : Math.min(v, 255);
        }
    }
}
