package io.github.lola4j.lola;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The first linear layer on the client's convolution representation, with weight vectors: LoLa's
 * convolution kernel generalized to any first linear layer (a convolution of any geometry, a dense
 * layer, or merged layers).
 *
 * <p>Output o is placed at slots o + h q for every q &lt; S / h (h = nextPow2(m)): the result is
 * stacked with period h, ready for a period-replicated diagonal product. Its non-zero weights are
 * dealt round-robin to L partial sums; partial l sits at the copies q with q mod L = l, and
 * ciphertext k gathers, at slot o + h q, the input element of weight k L + (q mod L) of row o (for
 * a convolution with L = 1, ciphertext k is tap k of every output position: im2col, replicated for
 * every map). The server computes sum_k D_k o ct_k (one lazily reduced sum of K = ceil(taps / L)
 * products), rescales and folds the partials with log2(L) rotations by h, 2h, ...: fewer input
 * ciphertexts for a few rotations. More outputs than slots use several output ciphertexts (dense,
 * no partials).
 */
final class GatherKernel extends Kernel {

    private final String label;
    private final int slots;
    private final int period;
    private final int partials;
    private final Representation output;
    private final int[] inputStart;          // per output ciphertext: its first input ciphertext (length outCts + 1)
    private final WeightVector[] weights;    // per input ciphertext
    private final WeightVector[] bias;       // per output ciphertext, null when zero

    /**
     * Plans the kernel and the input layout it needs.
     *
     * @param label    what the kernel computes, for reports
     * @param map      the layer
     * @param slots    S
     * @param partials L, a power of two with L h &le; S (1 for more outputs than slots)
     * @return the kernel
     */
    static GatherKernel plan(String label, AffineMap map, int slots, int partials) {
        int m = map.outputs();
        int outCts = (m + slots - 1) / slots;
        int h = outCts == 1 ? nextPow2(m) : slots;
        if (partials < 1 || Integer.bitCount(partials) != 1 || (long) partials * h > slots) {
            throw new IllegalArgumentException("gather kernel: " + partials + " partials of period " + h + " do not fit " + slots
                    + " slots");
        }
        int positions = slots / h;
        List<int[]> gather = new ArrayList<>();
        List<double[]> diag = new ArrayList<>();
        int[] inputStart = new int[outCts + 1];
        for (int c = 0; c < outCts; c++) {
            inputStart[c] = gather.size();
            int first = c * slots;
            int last = Math.min(m, first + slots);
            int taps = 0;
            for (int o = first; o < last; o++) {
                taps = Math.max(taps, map.columns(o).length);
            }
            int k = Math.max(1, (taps + partials - 1) / partials);
            for (int t = 0; t < k; t++) {
                int[] g = new int[slots];
                Arrays.fill(g, -1);
                gather.add(g);
                diag.add(new double[slots]);
            }
            for (int o = first; o < last; o++) {
                int[] cols = map.columns(o);
                double[] w = map.weights(o);
                for (int q = 0; q < positions; q++) {
                    int slot = (o - first) + h * q;
                    int l = q % partials;
                    for (int t = 0; t < k; t++) {
                        int idx = t * partials + l;
                        if (idx < cols.length) {
                            gather.get(inputStart[c] + t)[slot] = cols[idx];
                            diag.get(inputStart[c] + t)[slot] = w[idx];
                        }
                    }
                }
            }
        }
        inputStart[outCts] = gather.size();
        String origin = (outCts == 1 ? "im2col, period " + h + ", " + partials + " partial" + (partials > 1 ? "s" : "")
                : "im2col over " + outCts + " output cts");
        ConvolutionLayout in = new ConvolutionLayout(origin, map.inputs(), gather.toArray(new int[0][]));
        Representation out = outCts == 1 ? new StackedLayout(m, h, slots / h, slots) : new DenseLayout(m, slots);
        double[] b = new double[m];
        for (int o = 0; o < m; o++) {
            b[o] = map.bias(o);
        }
        return new GatherKernel(label, in, out, slots, h, partials, inputStart, diag, b);
    }

    private GatherKernel(String label, ConvolutionLayout in, Representation out, int slots, int period, int partials,
            int[] inputStart, List<double[]> diag, double[] b) {
        super(in, 1, 0);
        this.label = label;
        this.slots = slots;
        this.period = period;
        this.partials = partials;
        this.output = out;
        this.inputStart = inputStart;
        this.weights = new WeightVector[diag.size()];
        for (int k = 0; k < weights.length; k++) {
            weights[k] = new WeightVector(diag.get(k));
        }
        int outCts = inputStart.length - 1;
        this.bias = new WeightVector[outCts];
        for (int c = 0; c < outCts; c++) {
            double[] v = scatter(out, c, b);
            bias[c] = allZero(v) ? null : new WeightVector(v);
        }
    }

    /** L, the partial sums per output. */
    int partials() {
        return partials;
    }

    @Override
    String kind() {
        return "convolution";
    }

    @Override
    String describe() {
        return "convolution " + label + ": " + input().ciphertexts() + " weight-vector products"
                + (partials > 1 ? ", fold " + log2(partials) : "") + " -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        int outCts = inputStart.length - 1;
        return ops.parallel(outCts, c -> {
            List<V> xs = in.subList(inputStart[c], inputStart[c + 1]);
            List<WeightVector> ws = Arrays.asList(weights).subList(inputStart[c], inputStart[c + 1]);
            V acc = ops.rescale(ops.multiplyPlainAndSum(xs, ws));
            for (int f = period; f < period * partials; f <<= 1) {
                acc = ops.add(acc, ops.rotate(acc, f));
            }
            return bias[c] == null ? acc : ops.addPlain(acc, bias[c]);
        });
    }
}
