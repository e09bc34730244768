package io.github.lola4j.ckks;

import org.jtransforms.fft.DoubleFFT_1D;
import org.jtransforms.utils.CommonUtils;

/**
 * The complex FFT behind the encoder (N/2 points for ring degree N), on interleaved (re, im) arrays, without touching
 * JTransforms' global settings: JTransforms runs a transform of {@link
 * CommonUtils#getThreadsBeginN_1D_FFT_2Threads()} / 2 points or more on threads of its own (when its
 * thread count, by default the processor count, exceeds one), so a larger transform is split here by radix-2 decimation in time into transforms at most that
 * large, which JTransforms runs on the calling thread, and the halves are joined with one butterfly
 * pass per split. lola4j parallelizes through its own executor, never behind the caller's back,
 * and leaves JTransforms configured as the application left it.
 *
 * <p>Immutable and thread-safe; work arrays are allocated per call.
 */
final class CanonicalFft {

    private final int n;
    private final int leaf;
    private final DoubleFFT_1D leafFft;
    private final double[] cos;   // cos(2 pi k / n), k < n/2
    private final double[] sin;   // sin(2 pi k / n)

    /**
     * Plans a transform.
     *
     * @param n the number of complex points, a power of two
     */
    CanonicalFft(int n) {
        this.n = n;
        // the largest power of two JTransforms runs on the calling thread: it threads a transform
        // whose 2 * size doubles reach its two-thread threshold (read here, never set)
        long threshold = CommonUtils.getThreadsBeginN_1D_FFT_2Threads();
        int l = n;
        while (l > 1 && 2L * l >= threshold) {
            l >>>= 1;
        }
        this.leaf = l;
        this.leafFft = new DoubleFFT_1D(leaf);
        cos = new double[n / 2];
        sin = new double[n / 2];
        for (int k = 0; k < n / 2; k++) {
            double a = 2 * Math.PI * k / n;
            cos[k] = Math.cos(a);
            sin[k] = Math.sin(a);
        }
    }

    /** The size of the transforms JTransforms runs (n when no split is needed). */
    int leafSize() {
        return leaf;
    }

    /** In place: X_k = sum_j x_j e^(-2 pi i jk / n). */
    void forward(double[] v) {
        transform(v, false);
    }

    /** In place, unscaled: x_j = sum_k X_k e^(2 pi i jk / n). */
    void inverse(double[] v) {
        transform(v, true);
    }

    /**
     * Cooley-Tukey with transforms of {@code leaf} points as its base case: the p = n / leaf
     * subsequences x_(j p + r) are transformed in block bitrev(r) of a work array, then log2(p)
     * butterfly passes join neighbouring blocks, as the iterative radix-2 algorithm joins points.
     */
    private void transform(double[] v, boolean inverse) {
        if (leaf == n) {
            if (inverse) {
                leafFft.complexInverse(v, false);
            } else {
                leafFft.complexForward(v);
            }
            return;
        }
        int p = n / leaf;
        int bits = Integer.numberOfTrailingZeros(p);
        double[] t = new double[2 * n];
        for (int q = 0; q < p; q++) {
            int r = Integer.reverse(q) >>> (32 - bits);
            int off = 2 * q * leaf;
            for (int j = 0; j < leaf; j++) {
                int src = 2 * (j * p + r);
                t[off + 2 * j] = v[src];
                t[off + 2 * j + 1] = v[src + 1];
            }
            if (inverse) {
                leafFft.complexInverse(t, off, false);
            } else {
                leafFft.complexForward(t, off);
            }
        }
        double sign = inverse ? 1 : -1;
        for (int size = 2 * leaf; size <= n; size <<= 1) {
            // X_k = E_k + w^k O_k and X_(k + half) = E_k - w^k O_k, w = e^(-+2 pi i / size)
            int half = size >>> 1;
            int stride = n / size;
            for (int start = 0; start < n; start += size) {
                for (int k = 0; k < half; k++) {
                    double c = cos[k * stride];
                    double s = sign * sin[k * stride];
                    int e = 2 * (start + k);
                    int o = e + 2 * half;
                    double ore = t[o];
                    double oim = t[o + 1];
                    double tre = ore * c - oim * s;
                    double tim = ore * s + oim * c;
                    double ere = t[e];
                    double eim = t[e + 1];
                    t[e] = ere + tre;
                    t[e + 1] = eim + tim;
                    t[o] = ere - tre;
                    t[o + 1] = eim - tim;
                }
            }
        }
        System.arraycopy(t, 0, v, 0, 2 * n);
    }
}
