package io.github.lola4j.lola;

import java.util.Arrays;

/**
 * The convolution representation: the client's input laid out for a first linear layer, LoLa's convolution
 * representation generalized. Ciphertext k slot u holds input element {@code gather[k][u]}
 * (or zero where that is -1): for a convolution, ciphertext t holds tap t of every output
 * position (im2col), optionally replicated for every output map and packed several taps per
 * ciphertext. An input element has one copy per slot that gathers it.
 */
public final class ConvolutionLayout implements Representation {
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
    public ConvolutionLayout(String origin, int size, int[][] gather) {
        LayoutChecks.size("convolution", size);
        if (gather.length == 0) {
            throw new IllegalArgumentException("convolution: at least one ciphertext is needed");
        }
        int s = gather[0].length;
        LayoutChecks.slots(s);
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
        return o instanceof ConvolutionLayout x && x.hash == hash && x.size == size && Arrays.deepEquals(x.gather, gather);
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
