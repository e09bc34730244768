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
 * <p>Representations are immutable values: equal layouts are {@code equals}, whatever object made
 * them. They know nothing of encryption; level and scale belong to the tensor
 * ({@link SlotTensor}, {@link EncryptedTensor}).
 */
public sealed interface Representation permits Representation.Dense, Representation.Stacked, Representation.Sparse,
        Representation.Interleaved, Representation.Convolution, Representation.Batch {

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

    private static void checkSlots(int slots) {
        if (slots < 1 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
    }

    private static void checkSize(String kind, int size) {
        if (size < 1) {
            throw new IllegalArgumentException(kind + ": size must be positive, got " + size);
        }
    }

    /**
     * Dense: element i in slot i mod S of ciphertext i / S, zeros after the last element (LoLa's
     * output of vectorize; the client's plain image in LoLa-Dense).
     *
     * @param size  the number of elements
     * @param slots S
     */
    record Dense(int size, int slots) implements Representation {
        /** Validates. */
        public Dense {
            checkSize("dense", size);
            checkSlots(slots);
        }

        @Override
        public String kind() {
            return "dense";
        }

        @Override
        public int ciphertexts() {
            return (size + slots - 1) / slots;
        }

        @Override
        public int copies(int index) {
            return 1;
        }

        @Override
        public int ciphertext(int index, int copy) {
            return index / slots;
        }

        @Override
        public int slot(int index, int copy) {
            return index % slots;
        }

        @Override
        public Fill fill() {
            return Fill.ZERO;
        }

        @Override
        public String describe() {
            return "dense " + size + (ciphertexts() > 1 ? " in " + ciphertexts() + " cts" : "");
        }
    }

    /**
     * Stacked: one ciphertext holding {@code copies} copies of the vector, copy j at slots
     * [j * period, j * period + size), zeros in between (LoLa's stacked representation, and the
     * input a period-replicated diagonal product needs).
     *
     * @param size   the number of elements, at most the period
     * @param period the block of each copy
     * @param copies the number of copies, period * copies &le; S
     * @param slots  S
     */
    record Stacked(int size, int period, int copies, int slots) implements Representation {
        /** Validates. */
        public Stacked {
            checkSize("stacked", size);
            checkSlots(slots);
            if (period < size || copies < 1 || (long) period * copies > slots) {
                throw new IllegalArgumentException("stacked: " + copies + " copies of period " + period + " for " + size
                        + " elements do not fit " + slots + " slots");
            }
        }

        @Override
        public String kind() {
            return "stacked";
        }

        @Override
        public int ciphertexts() {
            return 1;
        }

        @Override
        public int copies(int index) {
            return copies;
        }

        @Override
        public int ciphertext(int index, int copy) {
            return 0;
        }

        @Override
        public int slot(int index, int copy) {
            return copy * period + index;
        }

        @Override
        public Fill fill() {
            return Fill.ZERO;
        }

        @Override
        public String describe() {
            return "stacked " + size + " in " + copies + " x " + period;
        }
    }

    /**
     * Sparse: element i fills every slot of ciphertext i (LoLa's output of a row-major dense layer).
     *
     * @param size  the number of elements (= ciphertexts)
     * @param slots S
     */
    record Sparse(int size, int slots) implements Representation {
        /** Validates. */
        public Sparse {
            checkSize("sparse", size);
            checkSlots(slots);
        }

        @Override
        public String kind() {
            return "sparse";
        }

        @Override
        public int ciphertexts() {
            return size;
        }

        @Override
        public int copies(int index) {
            return slots;
        }

        @Override
        public int ciphertext(int index, int copy) {
            return index;
        }

        @Override
        public int slot(int index, int copy) {
            return copy;
        }

        @Override
        public Fill fill() {
            return Fill.ZERO;
        }

        @Override
        public String describe() {
            return "sparse " + size;
        }
    }

    /**
     * Interleaved: one copy per element at an explicit (ciphertext, slot), as LoLa's interleaved
     * representation (a dense vector under a permutation) and the outputs of kernels that leave their
     * results at chosen slots with partial sums elsewhere.
     */
    final class Interleaved implements Representation {
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
        public Interleaved(String origin, int ciphertexts, int slots, int[] ct, int[] slot, Fill fill) {
            checkSlots(slots);
            checkSize("interleaved", ct.length);
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
        public Interleaved withFill(Fill newFill) {
            return newFill == fill ? this : new Interleaved(origin, ciphertexts, slots, ct, slot, newFill);
        }

        @Override
        public String describe() {
            return "interleaved " + ct.length + (ciphertexts > 1 ? " in " + ciphertexts + " cts" : "") + " (" + origin + ")"
                    + (fill == Fill.GARBAGE ? ", partial sums elsewhere" : "");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Interleaved x && x.hash == hash && x.ciphertexts == ciphertexts && x.slots == slots
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

    /**
     * Convolution: the client's input laid out for a first linear layer, LoLa's convolution
     * representation generalized. Ciphertext k slot u holds input element {@code gather[k][u]}
     * (or zero where that is -1): for a convolution, ciphertext t holds tap t of every output
     * position (im2col), optionally replicated for every output map and packed several taps per
     * ciphertext. An input element has one copy per slot that gathers it.
     */
    final class Convolution implements Representation {
        private final String origin;
        private final int size;
        private final int slots;
        private final int[][] gather;
        private final int[] first;   // CSR over copies: element i's copies are positions[first[i] .. first[i+1])
        private final long[] positions;
        private final int hash;

        /**
         * A gather layout.
         *
         * @param origin what produced it, for reports (not part of equality)
         * @param size   the number of input elements
         * @param gather per ciphertext, per slot, the element index or -1 (copied)
         * @throws IllegalArgumentException on an index outside [-1, size) or unequal rows (an element
         *                                  no slot gathers, one no output depends on, is allowed)
         */
        public Convolution(String origin, int size, int[][] gather) {
            checkSize("convolution", size);
            if (gather.length == 0) {
                throw new IllegalArgumentException("convolution: at least one ciphertext is needed");
            }
            int s = gather[0].length;
            checkSlots(s);
            int[] count = new int[size + 1];
            this.gather = new int[gather.length][];
            for (int k = 0; k < gather.length; k++) {
                if (gather[k].length != s) {
                    throw new IllegalArgumentException("convolution: ciphertext " + k + " has " + gather[k].length
                            + " slots, ciphertext 0 has " + s);
                }
                this.gather[k] = gather[k].clone();
                for (int u = 0; u < s; u++) {
                    int e = gather[k][u];
                    if (e < -1 || e >= size) {
                        throw new IllegalArgumentException("convolution: slot " + u + " of ciphertext " + k + " gathers element "
                                + e + ", outside [-1, " + size + ")");
                    }
                    if (e >= 0) {
                        count[e + 1]++;
                    }
                }
            }
            first = new int[size + 1];
            for (int i = 0; i < size; i++) {
                first[i + 1] = first[i] + count[i + 1];
            }
            positions = new long[first[size]];
            int[] fillAt = first.clone();
            for (int k = 0; k < gather.length; k++) {
                for (int u = 0; u < s; u++) {
                    int e = gather[k][u];
                    if (e >= 0) {
                        positions[fillAt[e]++] = ((long) k << 32) | u;
                    }
                }
            }
            this.origin = origin;
            this.size = size;
            this.slots = s;
            this.hash = Arrays.deepHashCode(this.gather) * 31 + size;
        }

        /** What produced the layout. */
        public String origin() {
            return origin;
        }

        /**
         * The element a slot gathers.
         *
         * @param k the ciphertext
         * @param u the slot
         * @return the element index, or -1 for a zero slot
         */
        public int gathered(int k, int u) {
            return gather[k][u];
        }

        @Override
        public String kind() {
            return "convolution";
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public int ciphertexts() {
            return gather.length;
        }

        @Override
        public int slots() {
            return slots;
        }

        /** The number of copies; 0 for an input element no output depends on. */
        @Override
        public int copies(int index) {
            return first[index + 1] - first[index];
        }

        @Override
        public int ciphertext(int index, int copy) {
            return (int) (positions[first[index] + copy] >>> 32);
        }

        @Override
        public int slot(int index, int copy) {
            return (int) positions[first[index] + copy];
        }

        @Override
        public Fill fill() {
            return Fill.ZERO;
        }

        /** Gathers directly (faster than the generic copy loop). */
        @Override
        public double[][] pack(double[] values) {
            if (values.length != size) {
                throw new IllegalArgumentException("convolution: expected " + size + " values, got " + values.length);
            }
            double[][] out = new double[gather.length][slots];
            for (int k = 0; k < gather.length; k++) {
                for (int u = 0; u < slots; u++) {
                    int e = gather[k][u];
                    if (e >= 0) {
                        out[k][u] = values[e];
                    }
                }
            }
            return out;
        }

        /** Reads elements back; an element with no copy reads as zero (its value never matters). */
        @Override
        public double[] unpack(double[][] slotValues) {
            if (slotValues.length != gather.length) {
                throw new IllegalArgumentException("convolution: expected " + gather.length + " ciphertexts, got "
                        + slotValues.length);
            }
            double[] out = new double[size];
            for (int i = 0; i < size; i++) {
                if (copies(i) > 0) {
                    out[i] = slotValues[ciphertext(i, 0)][slot(i, 0)];
                }
            }
            return out;
        }

        @Override
        public String describe() {
            return "convolution " + gather.length + " cts (" + origin + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Convolution x && x.hash == hash && x.size == size && Arrays.deepEquals(x.gather, gather);
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

    /**
     * SIMD batch (CryptoNets): one ciphertext per feature, image b in slot b. Element
     * {@code b * features + f} is feature f of image b.
     *
     * @param features the values per image (= ciphertexts)
     * @param batch    the images, at most S
     * @param slots    S
     */
    record Batch(int features, int batch, int slots) implements Representation {
        /** Validates. */
        public Batch {
            checkSize("batch", features);
            checkSlots(slots);
            if (batch < 1 || batch > slots) {
                throw new IllegalArgumentException("batch: " + batch + " images do not fit " + slots + " slots");
            }
        }

        @Override
        public String kind() {
            return "batch";
        }

        @Override
        public int size() {
            return features * batch;
        }

        @Override
        public int ciphertexts() {
            return features;
        }

        @Override
        public int copies(int index) {
            return 1;
        }

        @Override
        public int ciphertext(int index, int copy) {
            return index % features;
        }

        @Override
        public int slot(int index, int copy) {
            return index / features;
        }

        /** Garbage: the slots past the batch are never read, so kernels add constants to every slot. */
        @Override
        public Fill fill() {
            return Fill.GARBAGE;
        }

        @Override
        public String describe() {
            return "batch " + features + " features x " + batch + " images";
        }
    }
}
