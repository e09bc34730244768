package io.github.lola4j.lola;

import java.util.Arrays;

/**
 * How the values of a tensor are laid out in the slots of one or more ciphertexts: LoLa's message
 * representations (Brutzkus, Gilad-Bachrach, Elisha, ICML 2019) as explicit maps from tensor index
 * to (ciphertext, slot).
 *
 * <p>Every element has one or more <i>copies</i>; copy 0 is where {@link #unpack} reads it, every
 * copy holds the same value. The slots no element occupies are either known zero ({@link Fill#ZERO})
 * or hold partial results of the kernel that made the tensor ({@link Fill#GARBAGE}); a kernel that
 * needs zeros there (a replication, for example) refuses a garbage-filled input.
 *
 * <p>The variants, one file each: {@link DenseLayout}, {@link StackedLayout}, {@link SparseLayout},
 * {@link InterleavedLayout}, {@link ConvolutionLayout} and {@link BatchLayout}.
 *
 * <p>Representations are immutable values: equal layouts are {@code equals}, whatever object made
 * them. They know nothing of encryption; level and scale belong to the tensor
 * ({@link SlotTensor}, {@link EncryptedTensor}).
 */
public sealed interface Representation permits DenseLayout, StackedLayout, SparseLayout, InterleavedLayout,
        ConvolutionLayout, BatchLayout {

    /** What the slots that hold no element contain. */
    enum Fill {
        /** Exact zeros (up to the encryption noise). */
        ZERO,
        /** Partial sums or other by-products: any value. */
        GARBAGE
    }

    /** A short name of the representation kind: {@code dense}, {@code stacked}, ... */
    String kind();

    /** The number of tensor elements it lays out. */
    int size();

    /** The number of ciphertexts. */
    int ciphertexts();

    /** The number of slots per ciphertext, S = N/2. */
    int slots();

    /**
     * The number of copies of an element.
     *
     * @param index the element, in [0, size)
     * @return at least 1
     */
    int copies(int index);

    /**
     * The ciphertext holding a copy.
     *
     * @param index the element
     * @param copy  the copy, in [0, copies(index))
     * @return the ciphertext index
     */
    int ciphertext(int index, int copy);

    /**
     * The slot holding a copy.
     *
     * @param index the element
     * @param copy  the copy, in [0, copies(index))
     * @return the slot, in [0, slots)
     */
    int slot(int index, int copy);

    /** What the unoccupied slots hold. */
    Fill fill();

    /** A one-line description for plan reports, e.g. {@code stacked 845 in 4 x 1024}. */
    String describe();

    /**
     * Lays values out: every copy of every element is written, the other slots are zero.
     *
     * @param values {@link #size()} values (not modified)
     * @return {@link #ciphertexts()} arrays of {@link #slots()} values
     * @throws IllegalArgumentException on a wrong length
     */
    default double[][] pack(double[] values) {
        if (values.length != size()) {
            throw new IllegalArgumentException(kind() + ": expected " + size() + " values, got " + values.length);
        }
        double[][] out = new double[ciphertexts()][slots()];
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < copies(i); k++) {
                out[ciphertext(i, k)][slot(i, k)] = values[i];
            }
        }
        return out;
    }

    /**
     * Reads the elements back from their first copies.
     *
     * @param slotValues {@link #ciphertexts()} arrays of {@link #slots()} values (not modified)
     * @return the {@link #size()} values
     * @throws IllegalArgumentException on wrong lengths
     */
    default double[] unpack(double[][] slotValues) {
        if (slotValues.length != ciphertexts()) {
            throw new IllegalArgumentException(kind() + ": expected " + ciphertexts() + " ciphertexts, got " + slotValues.length);
        }
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = slotValues[ciphertext(i, 0)][slot(i, 0)];
        }
        return out;
    }

    /**
     * Whether every element sits in one ciphertext at exactly the slot {@code start + index} (copy 0)
     * with zeros elsewhere in that block: the precondition of LoLa's vectorize and stack steps.
     *
     * @return the common start slot per ciphertext when that holds for every ciphertext, else null
     */
    default int[] contiguousBlocks() {
        int[] start = new int[ciphertexts()];
        Arrays.fill(start, -1);
        int[] expect = new int[ciphertexts()];
        for (int i = 0; i < size(); i++) {
            if (copies(i) != 1) {
                return null;
            }
            int c = ciphertext(i, 0);
            int s = slot(i, 0);
            if (start[c] < 0) {
                start[c] = s;
                expect[c] = s;
            }
            if (s != expect[c]) {
                return null;
            }
            expect[c]++;
        }
        return fill() == Fill.ZERO ? start : null;
    }
}
