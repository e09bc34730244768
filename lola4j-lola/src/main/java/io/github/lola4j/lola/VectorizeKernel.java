package io.github.lola4j.lola;

import java.util.List;

/**
 * LoLa's vectorize (kernel 3): several ciphertexts, each holding a run of consecutive elements at
 * slots 0, 1, ... with zeros after them, become one dense ciphertext by rotating ciphertext c right
 * by the number of elements before it and adding. No level; one rotation per ciphertext after the
 * first.
 */
final class VectorizeKernel extends ConversionKernel {

    private final int[] offsets;
    private final Representation output;

    /**
     * The conversion, if it applies.
     *
     * @param in    the input
     * @param alpha its pending factor (passed through)
     * @param beta  its pending offset (passed through)
     * @return the kernel, or null when the input is not runs of consecutive elements from slot 0
     *         (with zeros elsewhere) or the elements do not fit one ciphertext
     */
    static VectorizeKernel plan(Representation in, double alpha, double beta) {
        if (in.ciphertexts() < 2 || in.size() > in.slots() || in.fill() != Representation.Fill.ZERO) {
            return null;
        }
        int[] offsets = new int[in.ciphertexts()];
        int cur = -1;
        for (int i = 0; i < in.size(); i++) {
            if (in.copies(i) != 1) {
                return null;
            }
            int c = in.ciphertext(i, 0);
            if (c != cur) {
                if (c != cur + 1) {
                    return null;
                }
                cur = c;
                offsets[c] = i;
            }
            if (in.slot(i, 0) != i - offsets[c]) {
                return null;
            }
        }
        return cur == in.ciphertexts() - 1 ? new VectorizeKernel(in, alpha, beta, offsets) : null;
    }

    private VectorizeKernel(Representation in, double alpha, double beta, int[] offsets) {
        super(in, alpha, beta);
        this.offsets = offsets;
        this.output = new DenseLayout(in.size(), in.slots());
    }

    @Override
    String kind() {
        return "vectorize";
    }

    @Override
    String describe() {
        return "vectorize " + offsets.length + " cts: " + (offsets.length - 1) + " rotations -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        List<V> shifted = ops.parallel(in.size(), c -> c == 0 ? in.get(0) : ops.rotate(in.get(c), -offsets[c]));
        V acc = shifted.get(0);
        for (int c = 1; c < shifted.size(); c++) {
            acc = ops.add(acc, shifted.get(c));
        }
        return List.of(acc);
    }
}
