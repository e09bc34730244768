package io.github.lola4j.lola;

import java.util.List;

/**
 * LoLa's stack (kernel 4), by doubling: a dense or stacked vector with zeros outside its block
 * gains copies, ct += rot(ct, -period * copies) doubling the copies each time. No level; log2 of
 * the copy factor in rotations.
 */
final class ReplicateKernel extends ConversionKernel {

    private final int period;
    private final int fromCopies;
    private final StackedLayout output;

    /**
     * The conversion, if it applies.
     *
     * @param in     a dense single-ciphertext or stacked input with zero fill
     * @param alpha  its pending factor (passed through)
     * @param beta   its pending offset (passed through)
     * @param copies the copies wanted, a power of two above the input's
     * @return the kernel, or null when it does not apply
     */
    static ReplicateKernel plan(Representation in, double alpha, double beta, int copies) {
        int period;
        int from;
        if (in instanceof DenseLayout d && d.ciphertexts() == 1) {
            period = nextPow2(d.size());
            from = 1;
        } else if (in instanceof StackedLayout s && Integer.bitCount(s.period()) == 1) {
            period = s.period();
            from = s.copies();
        } else {
            return null;
        }
        if (Integer.bitCount(copies) != 1 || copies <= from || Integer.bitCount(from) != 1
                || (long) period * copies > in.slots()) {
            return null;
        }
        return new ReplicateKernel(in, alpha, beta, period, from, copies);
    }

    private ReplicateKernel(Representation in, double alpha, double beta, int period, int from, int copies) {
        super(in, alpha, beta);
        this.period = period;
        this.fromCopies = from;
        this.output = new StackedLayout(in.size(), period, copies, in.slots());
    }

    @Override
    String kind() {
        return "replicate";
    }

    @Override
    String describe() {
        return "replicate x" + (output.copies() / fromCopies) + ": " + log2(output.copies() / fromCopies) + " rotations -> "
                + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        V acc = in.get(0);
        for (int c = fromCopies; c < output.copies(); c <<= 1) {
            acc = ops.add(acc, ops.rotate(acc, -period * c));
        }
        return List.of(acc);
    }
}
