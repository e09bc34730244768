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
 *
 * <p>Lazily computed values are cached while the compiler runs the plaintext twin on its
 * calibration inputs, then {@linkplain #releaseValues() released} once the plan is final: a
 * compiled plan keeps the source (a sparse form, a fraction of the S doubles) and the encodings,
 * never the dense values as well (for lola-cifar's 16,384 diagonals, 512 MiB of doubles beside
 * 4 GiB of encodings). Afterwards each {@link #values()} recomputes them, to the same bits.
 */
final class WeightVector {

    private final Supplier<double[]> source;   // null when the values are the only copy
    private volatile double[] values;          // null until computed, and again once released
    private volatile boolean released;         // values are no longer cached (only with a source)
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
     * @param source makes the S finite values; called once while the values are cached, then on
     *               every {@link #values()} after {@link #releaseValues()}, so it must return the
     *               same values each time (a fresh array: the caller may keep it)
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

    /**
     * The slot values (shared or fresh: do not modify). After {@link #releaseValues()} each call
     * computes them anew and keeps nothing: a caller holds them only while it needs them.
     */
    double[] values() {
        double[] v = values;
        if (v != null) {
            return v;
        }
        if (released) {
            return checked(source.get());
        }
        synchronized (this) {
            v = values;
            if (v == null) {
                v = checked(source.get());
                if (!released) {
                    values = v;
                }
            }
        }
        return v;
    }

    /**
     * Stops caching lazily computed values and drops them if computed: the plan is final, its
     * twin runs are over, and what it keeps is the source and the encodings. Values given to the
     * constructor are the only copy and stay. Idempotent.
     */
    synchronized void releaseValues() {
        if (source != null) {
            released = true;
            values = null;
        }
    }

    /** Whether the values are computed from a source (and so may be released). */
    boolean lazy() {
        return source != null;
    }

    /** Whether the dense values are held now (for tests of what a plan keeps). */
    boolean holdsValues() {
        return values != null;
    }

    /** The encoding at a level and scale, made on first use. */
    Plaintext encode(Encoder encoder, int level, double scale) {
        return encoding(level, scale, false, () -> encoder.encode(values(), level, scale));
    }

    /**
     * The encoding for sums of products ({@link Plaintext#productForm()}: half the memory of
     * {@link #encode}, which matters for layers of thousands of diagonals), made on first use.
     */
    Plaintext encodeForProducts(Encoder encoder, int level, double scale) {
        return encoding(level, scale, true, () -> encoder.encode(values(), level, scale).productForm());
    }

    /**
     * The cached encoding for a level, scale and form, or the one {@code make} gives, cached: a
     * prepared plan read from a file supplies its stored encodings this way instead of encoding.
     *
     * @param products whether it is the {@linkplain Plaintext#productForm() product form}
     * @param make     called at most once, only when nothing is cached for the key
     */
    Plaintext encoding(int level, double scale, boolean products, Supplier<Plaintext> make) {
        return encoded.computeIfAbsent(new Key(level, Double.doubleToLongBits(scale), products), k -> make.get());
    }

    /** Drops cached encodings (they are rebuilt on demand). */
    void clearEncodings() {
        encoded.clear();
    }
}
