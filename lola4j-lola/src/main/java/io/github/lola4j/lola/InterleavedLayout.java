package io.github.lola4j.lola;

import java.util.Arrays;

/**
 * The interleaved representation: one copy per element at an explicit (ciphertext, slot), as LoLa's interleaved
 * representation (a dense vector under a permutation) and the outputs of kernels that leave their
 * results at chosen slots with partial sums elsewhere.
 */
public final class InterleavedLayout implements Representation {
    private final String origin;
    private final int ciphertexts;
    private final int slots;
    private final int[] ct;
    private final int[] slot;
    private final Fill fill;
    private final int hash;

    /**
     * An explicit layout.
     *
     * @param origin      what produced it, for reports (not part of equality)
     * @param ciphertexts the number of ciphertexts
     * @param slots       S
     * @param ct          the ciphertext of each element (copied)
     * @param slot        the slot of each element (copied)
     * @param fill        what the other slots hold
     * @throws IllegalArgumentException on positions out of range or two elements in one slot
     */
    public InterleavedLayout(String origin, int ciphertexts, int slots, int[] ct, int[] slot, Fill fill) {
        LayoutChecks.slots(slots);
        LayoutChecks.size("interleaved", ct.length);
        if (ct.length != slot.length) {
            throw new IllegalArgumentException("interleaved: " + ct.length + " ciphertext indices but " + slot.length + " slots");
        }
        if (ciphertexts < 1) {
            throw new IllegalArgumentException("interleaved: at least one ciphertext is needed");
        }
        if ((long) ciphertexts * slots < ct.length) {
            throw new IllegalArgumentException("interleaved: " + ct.length + " elements do not fit " + ciphertexts + " x "
                    + slots + " slots");
        }
        // Positions as sorted longs rather than a set of boxed ones: 8 bytes per element, so
        // checking a large (or hostile) layout costs no more memory than the layout itself.
        long[] at = new long[ct.length];
        for (int i = 0; i < ct.length; i++) {
            if (ct[i] < 0 || ct[i] >= ciphertexts || slot[i] < 0 || slot[i] >= slots) {
                throw new IllegalArgumentException("interleaved: element " + i + " at (" + ct[i] + ", " + slot[i]
                        + ") is outside " + ciphertexts + " x " + slots);
            }
            at[i] = ((long) ct[i] << 32) | slot[i];
        }
        Arrays.sort(at);
        for (int j = 1; j < at.length; j++) {
            if (at[j] == at[j - 1]) {
                int i = secondAt(ct, slot, at[j]);
                throw new IllegalArgumentException("interleaved: element " + i + " shares slot " + slot[i] + " of ciphertext "
                        + ct[i] + " with another element");
            }
        }
        this.origin = origin;
        this.ciphertexts = ciphertexts;
        this.slots = slots;
        this.ct = ct.clone();
        this.slot = slot.clone();
        this.fill = java.util.Objects.requireNonNull(fill, "fill");
        this.hash = (Arrays.hashCode(this.ct) * 31 + Arrays.hashCode(this.slot)) * 31 + fill.hashCode();
    }

    /** The index of the second element at a position (one that is known to hold two). */
    private static int secondAt(int[] ct, int[] slot, long position) {
        boolean first = true;
        for (int i = 0; i < ct.length; i++) {
            if ((((long) ct[i] << 32) | slot[i]) == position) {
                if (!first) {
                    return i;
                }
                first = false;
            }
        }
        throw new IllegalStateException("no second element at " + position);
    }

    /** What produced the layout. */
    public String origin() {
        return origin;
    }

    @Override
    public String kind() {
        return "interleaved";
    }

    @Override
    public int size() {
        return ct.length;
    }

    @Override
    public int ciphertexts() {
        return ciphertexts;
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int copies(int index) {
        return 1;
    }

    @Override
    public int ciphertext(int index, int copy) {
        return ct[index];
    }

    @Override
    public int slot(int index, int copy) {
        return slot[index];
    }

    @Override
    public Fill fill() {
        return fill;
    }

    /**
     * The same layout with another fill.
     *
     * @param newFill the fill
     * @return the layout
     */
    public InterleavedLayout withFill(Fill newFill) {
        return newFill == fill ? this : new InterleavedLayout(origin, ciphertexts, slots, ct, slot, newFill);
    }

    @Override
    public String describe() {
        return "interleaved " + ct.length + (ciphertexts > 1 ? " in " + ciphertexts + " cts" : "") + " (" + origin + ")"
                + (fill == Fill.GARBAGE ? ", partial sums elsewhere" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InterleavedLayout x && x.hash == hash && x.ciphertexts == ciphertexts && x.slots == slots
                && x.fill == fill && Arrays.equals(x.ct, ct) && Arrays.equals(x.slot, slot);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return describe();
    }
}
