package io.github.lola4j.lola;

import java.util.List;

/**
 * A linear layer in the SIMD batch representation (CryptoNets; LOLA.md kernel 14): output feature
 * o of every image at once is sum_j M[o][j] ct_j + b_o, one lazily reduced sum of constant
 * products per output, no rotation.
 */
final class BatchLinearKernel extends Kernel {

    private final String label;
    private final AffineMap map;
    private final Representation.Batch output;

    /**
     * The kernel.
     *
     * @param label what it computes
     * @param map   the layer
     * @param in    a batch input
     * @param alpha its pending factor
     * @param beta  its pending offset
     */
    BatchLinearKernel(String label, AffineMap map, Representation.Batch in, double alpha, double beta) {
        super(in, alpha, beta);
        if (map.inputs() != in.features()) {
            throw new IllegalArgumentException("batch linear: the map reads " + map.inputs() + " features, the input has "
                    + in.features());
        }
        this.label = label;
        this.map = map.withInputAffine(alpha, beta);
        this.output = new Representation.Batch(map.outputs(), in.batch(), in.slots());
    }

    @Override
    String kind() {
        return "batch-linear";
    }

    @Override
    String describe() {
        return "batch linear " + label + ": " + map.nonZeros() + " constant products -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        int[][] columns = new int[map.outputs()][];
        double[][] weights = new double[map.outputs()][];
        for (int o = 0; o < columns.length; o++) {
            columns[o] = map.columns(o);
            weights[o] = map.weights(o);
        }
        List<V> sums = ops.linearCombinations(in, columns, weights);
        return ops.parallel(map.outputs(), o -> {
            V y = ops.rescale(sums.get(o));
            return map.bias(o) == 0 ? y : ops.addConst(y, map.bias(o));
        });
    }
}
