package io.github.lola4j.lola;

import java.util.List;

/**
 * A linear layer in the SIMD batch representation (CryptoNets; LOLA.md kernel 14): output feature
 * o of every image at once is sum_j M[o][j] ct_j + b_o, one lazily reduced sum of constant
 * products per output, no rotation.
 *
 * <p>After an unrelinearized activation ({@link ActivationKernel}) the inputs are degree-2 products
 * not yet rescaled: the sums read their three polynomials, each output is relinearized (one key
 * switch per output rather than per feature) and rescaled twice, the constants rounded at
 * q_(level-1) so that the two rescales leave the scale one rescale per layer would have.
 */
final class BatchLinearKernel extends Kernel {

    private final String label;
    private final AffineMap map;
    private final BatchLayout output;
    private final boolean afterUnrelinearized;

    /**
     * The kernel.
     *
     * @param label what it computes
     * @param map   the layer
     * @param in    a batch input
     * @param alpha its pending factor
     * @param beta  its pending offset
     */
    BatchLinearKernel(String label, AffineMap map, BatchLayout in, double alpha, double beta) {
        this(label, map, in, alpha, beta, false);
    }

    /**
     * The kernel, optionally on the unrelinearized, unrescaled products of an activation.
     *
     * @param label               what it computes
     * @param map                 the layer
     * @param in                  a batch input
     * @param alpha               its pending factor
     * @param beta                its pending offset
     * @param afterUnrelinearized the input is an unrelinearized activation's output
     */
    BatchLinearKernel(String label, AffineMap map, BatchLayout in, double alpha, double beta,
            boolean afterUnrelinearized) {
        super(in, alpha, beta);
        if (map.inputs() != in.features()) {
            throw new IllegalArgumentException("batch linear: the map reads " + map.inputs() + " features, the input has "
                    + in.features());
        }
        this.label = label;
        this.map = map.withInputAffine(alpha, beta);
        this.output = new BatchLayout(map.outputs(), in.batch(), in.slots());
        this.afterUnrelinearized = afterUnrelinearized;
    }

    @Override
    String kind() {
        return "batch-linear";
    }

    @Override
    String describe() {
        return "batch linear " + label + ": " + map.nonZeros() + " constant products"
                + (afterUnrelinearized ? " of degree-2 inputs, " + map.outputs() + " relinearizations" : "") + " -> "
                + output.describe();
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
        int level = ops.level(in.get(0));
        if (afterUnrelinearized && level < 2) {
            throw new IllegalArgumentException("batch linear: two rescales need level 2 or more, the input is at level " + level);
        }
        List<V> sums = ops.linearCombinations(in, columns, weights, afterUnrelinearized ? level - 1 : level);
        return ops.parallel(map.outputs(), o -> {
            V y = afterUnrelinearized ? ops.rescale(ops.rescale(ops.relinearize(sums.get(o)))) : ops.rescale(sums.get(o));
            return map.bias(o) == 0 ? y : ops.addConst(y, map.bias(o));
        });
    }
}
