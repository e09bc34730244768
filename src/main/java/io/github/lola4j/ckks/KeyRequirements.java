package io.github.lola4j.ckks;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * What evaluation keys a computation needs: whether it relinearizes, and which rotations (as slot
 * steps) and whether it conjugates. Kernels, transforms and plans report one; the
 * {@link KeyGenerator} makes exactly those keys and nothing else. Immutable; the {@code with}
 * methods return new instances.
 */
public final class KeyRequirements {

    private static final KeyRequirements NONE = new KeyRequirements(false, new TreeSet<>(), false);

    private final boolean relinearization;
    private final Set<Integer> rotations;
    private final boolean conjugation;

    private KeyRequirements(boolean relinearization, Set<Integer> rotations, boolean conjugation) {
        this.relinearization = relinearization;
        this.rotations = Collections.unmodifiableSet(rotations);
        this.conjugation = conjugation;
    }

    /** No keys at all. */
    public static KeyRequirements none() {
        return NONE;
    }

    /** Only the relinearization key. */
    public static KeyRequirements relinearization() {
        return NONE.withRelinearization();
    }

    /** These requirements plus relinearization. */
    public KeyRequirements withRelinearization() {
        return new KeyRequirements(true, new TreeSet<>(rotations), conjugation);
    }

    /**
     * These requirements plus rotation keys for the given steps (left rotations; negative steps
     * rotate right). Step 0 needs no key and is ignored.
     *
     * @param steps the rotation steps
     * @return the new requirements
     */
    public KeyRequirements withRotations(int... steps) {
        TreeSet<Integer> r = new TreeSet<>(rotations);
        for (int s : steps) {
            if (s != 0) {
                r.add(s);
            }
        }
        return new KeyRequirements(relinearization, r, conjugation);
    }

    /**
     * These requirements plus rotation keys for the given steps.
     *
     * @param steps the rotation steps
     * @return the new requirements
     */
    public KeyRequirements withRotations(Iterable<Integer> steps) {
        TreeSet<Integer> r = new TreeSet<>(rotations);
        for (int s : steps) {
            if (s != 0) {
                r.add(s);
            }
        }
        return new KeyRequirements(relinearization, r, conjugation);
    }

    /** These requirements plus the conjugation key. */
    public KeyRequirements withConjugation() {
        return new KeyRequirements(relinearization, new TreeSet<>(rotations), true);
    }

    /**
     * The union of these and other requirements.
     *
     * @param other more requirements
     * @return the union
     */
    public KeyRequirements union(KeyRequirements other) {
        TreeSet<Integer> r = new TreeSet<>(rotations);
        r.addAll(other.rotations);
        return new KeyRequirements(relinearization || other.relinearization, r, conjugation || other.conjugation);
    }

    /** Whether a relinearization key is needed. */
    public boolean needsRelinearization() {
        return relinearization;
    }

    /** The rotation steps, sorted (read-only). */
    public Set<Integer> rotations() {
        return rotations;
    }

    /** Whether the conjugation key is needed. */
    public boolean needsConjugation() {
        return conjugation;
    }

    /**
     * The distinct Galois elements these requirements name for a parameter set (steps that are
     * equal mod N/2 share one key).
     *
     * @param params the parameter set
     * @return the Galois elements, sorted
     */
    public Set<Long> galoisElements(CkksParameters params) {
        TreeSet<Long> g = new TreeSet<>();
        for (int s : rotations) {
            if (Math.floorMod(s, params.slots()) != 0) {
                g.add(params.galoisElementForRotation(s));
            }
        }
        if (conjugation) {
            g.add(params.galoisElementForConjugation());
        }
        return g;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRequirements && ((KeyRequirements) o).relinearization == relinearization
                && ((KeyRequirements) o).conjugation == conjugation && ((KeyRequirements) o).rotations.equals(rotations);
    }

    @Override
    public int hashCode() {
        return rotations.hashCode() * 4 + (relinearization ? 2 : 0) + (conjugation ? 1 : 0);
    }

    @Override
    public String toString() {
        return "KeyRequirements(relinearization=" + relinearization + ", rotations=" + rotations + ", conjugation="
                + conjugation + ")";
    }
}
