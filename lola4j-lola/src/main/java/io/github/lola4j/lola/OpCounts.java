package io.github.lola4j.lola;

import java.util.Arrays;

/**
 * Homomorphic operations counted by level: what a kernel or a whole plan costs, as the simulator
 * ({@link CountingSlots}) records it. Mutable while a simulation runs; {@link #copy()} snapshots.
 */
public final class OpCounts {

    /** The kinds of operation a kernel performs. */
    public enum Op {
        /** A rotation with its own key switch. */
        ROTATION,
        /** One step of a hoisted rotation (the decomposition is shared by its batch). */
        HOISTED_ROTATION,
        /** One batch of hoisted rotations (one shared decomposition, ModUp). */
        HOISTED_BATCH,
        /** One ciphertext-times-plaintext product (a term of a lazily reduced sum). */
        PLAIN_PRODUCT,
        /** One ciphertext-times-constant product. */
        CONST_PRODUCT,
        /** One ciphertext-times-ciphertext product with relinearization. */
        CIPHER_PRODUCT,
        /** One ciphertext-times-ciphertext product left unrelinearized (a degree-2 result). */
        TENSOR_PRODUCT,
        /** One relinearization of a degree-2 ciphertext (a key switch). */
        RELINEARIZATION,
        /** One constant product of a degree-2 ciphertext (three polynomials instead of two). */
        DEGREE2_CONST_PRODUCT,
        /** One rescale (drops a level). */
        RESCALE,
        /** One addition (of ciphertexts, a plaintext or a constant). */
        ADDITION
    }

    private long[][] counts = new long[Op.values().length][0];

    /** No operations. */
    public OpCounts() {
    }

    /**
     * Records operations.
     *
     * @param op    the kind
     * @param level the level they run at
     * @param n     how many
     */
    void add(Op op, int level, long n) {
        long[] row = counts[op.ordinal()];
        if (level >= row.length) {
            row = Arrays.copyOf(row, level + 1);
            counts[op.ordinal()] = row;
        }
        row[level] += n;
    }

    /**
     * Adds another record to this one.
     *
     * @param other the operations to add
     */
    void addAll(OpCounts other) {
        for (Op op : Op.values()) {
            long[] r = other.counts[op.ordinal()];
            for (int l = 0; l < r.length; l++) {
                if (r[l] != 0) {
                    add(op, l, r[l]);
                }
            }
        }
    }

    /**
     * How many operations of a kind run at a level.
     *
     * @param op    the kind
     * @param level the level
     * @return the count
     */
    public long count(Op op, int level) {
        long[] row = counts[op.ordinal()];
        return level < row.length ? row[level] : 0;
    }

    /**
     * How many operations of a kind run in all.
     *
     * @param op the kind
     * @return the count
     */
    public long total(Op op) {
        long s = 0;
        for (long v : counts[op.ordinal()]) {
            s += v;
        }
        return s;
    }

    /** The highest level any operation runs at, or -1 for none. */
    public int maxLevel() {
        int m = -1;
        for (long[] row : counts) {
            for (int l = row.length - 1; l > m; l--) {
                if (row[l] != 0) {
                    m = l;
                    break;
                }
            }
        }
        return m;
    }

    /** A snapshot. */
    public OpCounts copy() {
        OpCounts c = new OpCounts();
        c.addAll(this);
        return c;
    }

    /** Ciphertext products, relinearized at once or later. */
    public long cipherProducts() {
        return total(Op.CIPHER_PRODUCT) + total(Op.TENSOR_PRODUCT);
    }

    /** Constant products, of degree-1 and degree-2 ciphertexts. */
    public long constProducts() {
        return total(Op.CONST_PRODUCT) + total(Op.DEGREE2_CONST_PRODUCT);
    }

    /** Rotations that pay a key switch each: plain rotations plus hoisted steps. */
    public long keySwitchRotations() {
        return total(Op.ROTATION) + total(Op.HOISTED_ROTATION);
    }

    @Override
    public String toString() {
        return String.format("%d rotations + %d hoisted, %d plain products, %d constant products, %d cipher products"
                + " (%d relinearized later), %d rescales", total(Op.ROTATION), total(Op.HOISTED_ROTATION), total(Op.PLAIN_PRODUCT),
                constProducts(), cipherProducts(), total(Op.TENSOR_PRODUCT), total(Op.RESCALE));
    }
}
