package io.github.lola4j.lola;

import java.util.Objects;

/**
 * The plaintext twin of an {@link EncryptedTensor}: the slot values of every ciphertext, as the
 * encrypted run would decrypt them (without the noise), with the level and scale the encrypted run
 * has at the same point. Produced by {@link Plan#traceTwin(double[])}. Immutable.
 */
public final class SlotTensor {

    private final Representation representation;
    private final double[][] slots;
    private final int level;
    private final double scale;
    private final double alpha;
    private final double beta;

    SlotTensor(Representation representation, double[][] slots, int level, double scale, double alpha, double beta) {
        this.representation = Objects.requireNonNull(representation, "representation");
        this.slots = slots;
        this.level = level;
        this.scale = scale;
        this.alpha = alpha;
        this.beta = beta;
    }

    /** The layout. */
    public Representation representation() {
        return representation;
    }

    /**
     * The slot values of one ciphertext.
     *
     * @param ct the ciphertext index
     * @return a copy of its S values
     */
    public double[] slots(int ct) {
        return slots[ct].clone();
    }

    /** The level. */
    public int level() {
        return level;
    }

    /** The scale. */
    public double scale() {
        return scale;
    }

    /** The stored element values (read from their first copies, before the pending affine factor). */
    public double[] storedValues() {
        return representation.unpack(slots);
    }

    /** The true element values: alpha * stored + beta, with the pending factor of the step. */
    public double[] values() {
        double[] v = representation.unpack(slots);
        for (int i = 0; i < v.length; i++) {
            v[i] = alpha * v[i] + beta;
        }
        return v;
    }

    /** The largest |value| over every slot of every ciphertext (garbage included). */
    public double maxAbsSlot() {
        double m = 0;
        for (double[] row : slots) {
            for (double d : row) {
                m = Math.max(m, Math.abs(d));
            }
        }
        return m;
    }
}
