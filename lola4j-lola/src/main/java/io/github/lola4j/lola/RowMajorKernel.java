package io.github.lola4j.lola;

import java.util.List;

/**
 * LoLa's dense layer with row-major weights (kernels 5 and 10 of LOLA.md): per output o, one
 * product ct o W_o with row o laid on the input's element slots, then a full rotate-and-sum
 * (log2 S rotations) that leaves the dot product in every slot: a sparse output, one ciphertext
 * per output. Works on any single-ciphertext input, dense or interleaved.
 */
final class RowMajorKernel extends Kernel {

    private final String label;
    private final WeightVector[] rows;
    private final double[] bias;
    private final SparseLayout output;

    /**
     * Plans the kernel.
     *
     * @param label what it computes
     * @param map   the layer (true input values)
     * @param in    a single-ciphertext input
     * @param alpha the input's pending factor
     * @param beta  the input's pending offset
     * @return the kernel, or null for an input over several ciphertexts
     */
    static RowMajorKernel plan(String label, AffineMap map, Representation in, double alpha, double beta) {
        if (in.ciphertexts() != 1 || map.inputs() != in.size()) {
            return null;
        }
        AffineMap m = map.withInputAffine(alpha, beta);
        WeightVector[] rows = new WeightVector[m.outputs()];
        double[] bias = new double[m.outputs()];
        for (int o = 0; o < rows.length; o++) {
            final int row = o;
            rows[o] = new WeightVector(() -> {
                double[] v = new double[in.slots()];
                int[] cols = m.columns(row);
                double[] w = m.weights(row);
                for (int k = 0; k < cols.length; k++) {
                    v[in.slot(cols[k], 0)] = w[k];
                }
                return v;
            });
            bias[o] = m.bias(o);
        }
        return new RowMajorKernel(label, in, alpha, beta, rows, bias);
    }

    private RowMajorKernel(String label, Representation in, double alpha, double beta, WeightVector[] rows, double[] bias) {
        super(in, alpha, beta);
        this.label = label;
        this.rows = rows;
        this.bias = bias;
        this.output = new SparseLayout(rows.length, in.slots());
    }

    @Override
    String kind() {
        return "row-major";
    }

    @Override
    String describe() {
        return "row-major " + label + ": " + rows.length + " products, " + rows.length + " x " + log2(input().slots())
                + " rotations -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        V x = in.get(0);
        return ops.parallel(rows.length, o -> {
            V y = productWindowSum(ops, x, rows[o], ops.slots(), 1);
            return bias[o] == 0 ? y : ops.addConst(y, bias[o]);
        });
    }
}
