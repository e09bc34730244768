package io.github.lola4j.lola;

import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Plaintext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A vector of S slot values a kernel multiplies a ciphertext by (weights, masks) or adds to it
 * (biases), with its CKKS encodings cached per level and scale: a plan encodes each once, when it
 * is prepared, and every evaluation reuses them. The values may be computed lazily (the simulator
 * never needs them, so a compiler comparing many candidate kernels does not build their
 * diagonals). Immutable values; thread-safe.
 */
final class WeightVector {

    private final Supplier<double[]> source;
    private volatile double[] values;
    private final ConcurrentHashMap<Key, Plaintext> encoded = new ConcurrentHashMap<>();

    private record Key(int level, long scaleBits, boolean products) {
    }

    /**
     * Wraps values (not copied: the caller gives up the array).
     *
     * @param values S finite values
     */
    WeightVector(double[] values) {
        this.source = null;
        this.values = checked(values);
    }

    /**
     * Values computed on first use.
     *
     * @param source makes the S finite values (called at most once)
     */
    WeightVector(Supplier<double[]> source) {
        this.source = source;
    }

    private static double[] checked(double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("weight vector: slot " + i + " is " + values[i]);
            }
        }
        return values;
    }

    /** The slot values (shared: do not modify). */
    double[] values() {
        double[] v = values;
        if (v == null) {
            synchronized (this) {
                v = values;
                if (v == null) {
                    v = checked(source.get());
                    values = v;
                }
            }
        }
        return v;
    }

    /** The encoding at a level and scale, made on first use. */
    Plaintext encode(Encoder encoder, int level, double scale) {
        return encoded.computeIfAbsent(new Key(level, Double.doubleToLongBits(scale), false),
                k -> encoder.encode(values(), level, scale));
    }

    /**
     * The encoding for sums of products ({@link Plaintext#productForm()}: half the memory of
     * {@link #encode}, which matters for layers of thousands of diagonals), made on first use.
     */
    Plaintext encodeForProducts(Encoder encoder, int level, double scale) {
        return encoded.computeIfAbsent(new Key(level, Double.doubleToLongBits(scale), true),
                k -> encoder.encode(values(), level, scale).productForm());
    }

    /** Drops cached encodings (they are rebuilt on demand). */
    void clearEncodings() {
        encoded.clear();
    }
}
