package io.github.lola4j.lola;

import java.util.List;

/**
 * LoLa's packed dense layer (kernel 8): on a stacked input with c copies of period B, plaintext r
 * carries row c r + j against copy j; a window sum over B (log2 B rotations) leaves the dot product
 * of row c r + j at slot j B + B - 1 of message r, partial sums elsewhere. ceil(m / c) products and
 * messages; LoLa then interleaves the messages (a masked gather).
 */
final class PackedDenseKernel extends Kernel {

    private final String label;
    private final int period;
    private final WeightVector[] rows;
    private final WeightVector[] bias;
    private final Representation output;

    /**
     * Plans the kernel.
     *
     * @param label what it computes
     * @param map   the layer
     * @param in    a stacked input with a power-of-two period
     * @param alpha the input's pending factor
     * @param beta  the input's pending offset
     * @return the kernel, or null when the input is not stacked
     */
    static PackedDenseKernel plan(String label, AffineMap map, Representation in, double alpha, double beta) {
        if (!(in instanceof StackedLayout st) || Integer.bitCount(st.period()) != 1 || map.inputs() != in.size()) {
            return null;
        }
        AffineMap m = map.withInputAffine(alpha, beta);
        int c = st.copies();
        int b = st.period();
        int msgs = (m.outputs() + c - 1) / c;
        WeightVector[] rows = new WeightVector[msgs];
        WeightVector[] bias = new WeightVector[msgs];
        int[] ct = new int[m.outputs()];
        int[] sl = new int[m.outputs()];
        for (int r = 0; r < msgs; r++) {
            final int msg = r;
            rows[r] = new WeightVector(() -> {
                double[] v = new double[in.slots()];
                for (int j = 0; j < c && c * msg + j < m.outputs(); j++) {
                    int o = c * msg + j;
                    int[] cols = m.columns(o);
                    double[] w = m.weights(o);
                    for (int k = 0; k < cols.length; k++) {
                        v[j * b + cols[k]] = w[k];
                    }
                }
                return v;
            });
            double[] bv = new double[in.slots()];
            for (int j = 0; j < c && c * r + j < m.outputs(); j++) {
                int o = c * r + j;
                bv[j * b + b - 1] = m.bias(o);
                ct[o] = r;
                sl[o] = j * b + b - 1;
            }
            bias[r] = allZero(bv) ? null : new WeightVector(bv);
        }
        Representation out = new InterleavedLayout("packed rows, " + c + " per message", msgs, in.slots(), ct, sl,
                Representation.Fill.GARBAGE);
        return new PackedDenseKernel(label, in, alpha, beta, b, rows, bias, out);
    }

    private PackedDenseKernel(String label, Representation in, double alpha, double beta, int period, WeightVector[] rows,
            WeightVector[] bias, Representation out) {
        super(in, alpha, beta);
        this.label = label;
        this.period = period;
        this.rows = rows;
        this.bias = bias;
        this.output = out;
    }

    @Override
    String kind() {
        return "packed-dense";
    }

    @Override
    String describe() {
        return "packed dense " + label + ": " + rows.length + " products, " + rows.length + " x " + log2(period)
                + " rotations -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        V x = in.get(0);
        return ops.parallel(rows.length, r -> {
            V y = productWindowSum(ops, x, rows[r], period, -1);
            return bias[r] == null ? y : ops.addPlain(y, bias[r]);
        });
    }
}
