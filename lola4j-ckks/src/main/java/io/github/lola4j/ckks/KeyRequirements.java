package io.github.lola4j.ckks;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What evaluation keys a computation needs: whether it relinearizes, which rotations (as slot
 * steps), whether it conjugates, and for each key the highest level it is used at. Kernels,
 * transforms and plans report one; the {@link KeyGenerator} makes exactly those keys and nothing
 * else.
 *
 * <p>A key used only at level l and below needs residues over q_0 .. q_l and P only, and only the
 * digits that meet q_0 .. q_l: the generator makes it that small. Late layers of a deep network
 * rotate at low levels, so this cuts the keys' memory and upload severalfold (lola-cifar: see
 * docs/lola.md). A requirement without a level ({@link #withRotations(int...)}) asks for a key at
 * every level. Immutable; the {@code with} methods return new instances.
 */
public final class KeyRequirements {

    /** The level of a key usable at every level: clamped to the parameter set's top level. */
    public static final int ALL_LEVELS = Integer.MAX_VALUE;

    private static final int ABSENT = -1;

    private static final KeyRequirements NONE = new KeyRequirements(ABSENT, new TreeMap<>(), ABSENT);

    private final int relinearization;
    private final Map<Integer, Integer> rotations;
    private final int conjugation;

    private KeyRequirements(int relinearization, TreeMap<Integer, Integer> rotations, int conjugation) {
        this.relinearization = relinearization;
        this.rotations = Collections.unmodifiableMap(rotations);
        this.conjugation = conjugation;
    }

    /** No keys at all. */
    public static KeyRequirements none() {
        return NONE;
    }

    /** Only the relinearization key, at every level. */
    public static KeyRequirements relinearization() {
        return NONE.withRelinearization();
    }

    /** These requirements plus relinearization at every level. */
    public KeyRequirements withRelinearization() {
        return withRelinearization(ALL_LEVELS);
    }

    /**
     * These requirements plus relinearization up to a level.
     *
     * @param level the highest level a relinearization happens at, at least 0
     * @return the new requirements
     * @throws IllegalArgumentException if level is negative
     */
    public KeyRequirements withRelinearization(int level) {
        checkLevel(level);
        return new KeyRequirements(Math.max(relinearization, level), new TreeMap<>(rotations), conjugation);
    }

    /**
     * These requirements plus rotation keys for the given steps at every level (left rotations;
     * negative steps rotate right). Step 0 needs no key and is ignored.
     *
     * @param steps the rotation steps
     * @return the new requirements
     */
    public KeyRequirements withRotations(int... steps) {
        TreeMap<Integer, Integer> r = new TreeMap<>(rotations);
        for (int s : steps) {
            put(r, s, ALL_LEVELS);
        }
        return new KeyRequirements(relinearization, r, conjugation);
    }

    /**
     * These requirements plus rotation keys for the given steps at every level.
     *
     * @param steps the rotation steps
     * @return the new requirements
     */
    public KeyRequirements withRotations(Iterable<Integer> steps) {
        return withRotations(ALL_LEVELS, steps);
    }

    /**
     * These requirements plus rotation keys for the given steps, used at levels up to a level.
     *
     * @param level the highest level the rotations happen at, at least 0
     * @param steps the rotation steps (step 0 is ignored)
     * @return the new requirements
     * @throws IllegalArgumentException if level is negative
     */
    public KeyRequirements withRotations(int level, Iterable<Integer> steps) {
        checkLevel(level);
        TreeMap<Integer, Integer> r = new TreeMap<>(rotations);
        for (int s : steps) {
            put(r, s, level);
        }
        return new KeyRequirements(relinearization, r, conjugation);
    }

    private static void put(TreeMap<Integer, Integer> r, int step, int level) {
        if (step != 0) {
            r.merge(step, level, Math::max);
        }
    }

    /** These requirements plus the conjugation key at every level. */
    public KeyRequirements withConjugation() {
        return withConjugation(ALL_LEVELS);
    }

    /**
     * These requirements plus the conjugation key up to a level.
     *
     * @param level the highest level a conjugation happens at, at least 0
     * @return the new requirements
     * @throws IllegalArgumentException if level is negative
     */
    public KeyRequirements withConjugation(int level) {
        checkLevel(level);
        return new KeyRequirements(relinearization, new TreeMap<>(rotations), Math.max(conjugation, level));
    }

    private static void checkLevel(int level) {
        if (level < 0) {
            throw new IllegalArgumentException("a key's level must be at least 0, got " + level);
        }
    }

    /**
     * The union of these and other requirements (a key both name is needed up to the higher level).
     *
     * @param other more requirements
     * @return the union
     */
    public KeyRequirements union(KeyRequirements other) {
        TreeMap<Integer, Integer> r = new TreeMap<>(rotations);
        for (Map.Entry<Integer, Integer> e : other.rotations.entrySet()) {
            put(r, e.getKey(), e.getValue());
        }
        return new KeyRequirements(Math.max(relinearization, other.relinearization), r,
                Math.max(conjugation, other.conjugation));
    }

    /** Whether a relinearization key is needed. */
    public boolean needsRelinearization() {
        return relinearization != ABSENT;
    }

    /** The rotation steps, sorted (read-only). */
    public Set<Integer> rotations() {
        return rotations.keySet();
    }

    /**
     * The highest level a rotation step is used at.
     *
     * @param step a step of {@link #rotations()}
     * @return the level, or {@link #ALL_LEVELS}
     * @throws IllegalArgumentException if the step is not required
     */
    public int rotationLevel(int step) {
        Integer l = rotations.get(step);
        if (l == null) {
            throw new IllegalArgumentException("rotation by " + step + " is not required (the steps are " + rotations.keySet() + ")");
        }
        return l;
    }

    /**
     * The highest level relinearization is used at.
     *
     * @return the level, or {@link #ALL_LEVELS}
     * @throws IllegalStateException if no relinearization is needed
     */
    public int relinearizationLevel() {
        if (!needsRelinearization()) {
            throw new IllegalStateException("no relinearization is required");
        }
        return relinearization;
    }

    /** Whether the conjugation key is needed. */
    public boolean needsConjugation() {
        return conjugation != ABSENT;
    }

    /**
     * The highest level conjugation is used at.
     *
     * @return the level, or {@link #ALL_LEVELS}
     * @throws IllegalStateException if no conjugation is needed
     */
    public int conjugationLevel() {
        if (!needsConjugation()) {
            throw new IllegalStateException("no conjugation is required");
        }
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
        return galoisLevels(params).keySet();
    }

    /**
     * The distinct Galois elements with the level each key must reach: the highest level among the
     * steps that share the element, clamped to the parameter set's top level.
     *
     * @param params the parameter set
     * @return element to level, sorted by element (read-only)
     */
    public Map<Long, Integer> galoisLevels(CkksParameters params) {
        TreeMap<Long, Integer> g = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : rotations.entrySet()) {
            if (Math.floorMod(e.getKey(), params.slots()) != 0) {
                g.merge(params.galoisElementForRotation(e.getKey()), Math.min(e.getValue(), params.maxLevel()), Math::max);
            }
        }
        if (needsConjugation()) {
            g.merge(params.galoisElementForConjugation(), Math.min(conjugation, params.maxLevel()), Math::max);
        }
        return Collections.unmodifiableMap(g);
    }

    /**
     * The level the relinearization key must reach in a parameter set.
     *
     * @param params the parameter set
     * @return the level, at most the top level
     * @throws IllegalStateException if no relinearization is needed
     */
    public int relinearizationLevel(CkksParameters params) {
        return Math.min(relinearizationLevel(), params.maxLevel());
    }

    /**
     * The level a rotation step's key must reach in a parameter set.
     *
     * @param step   a step of {@link #rotations()}
     * @param params the parameter set
     * @return the level, at most the top level
     * @throws IllegalArgumentException if the step is not required
     */
    public int rotationLevel(int step, CkksParameters params) {
        return Math.min(rotationLevel(step), params.maxLevel());
    }

    /**
     * The level the conjugation key must reach in a parameter set.
     *
     * @param params the parameter set
     * @return the level, at most the top level
     * @throws IllegalStateException if no conjugation is needed
     */
    public int conjugationLevel(CkksParameters params) {
        return Math.min(conjugationLevel(), params.maxLevel());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRequirements && ((KeyRequirements) o).relinearization == relinearization
                && ((KeyRequirements) o).conjugation == conjugation && ((KeyRequirements) o).rotations.equals(rotations);
    }

    @Override
    public int hashCode() {
        return (rotations.hashCode() * 31 + relinearization) * 31 + conjugation;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("KeyRequirements(relinearization=").append(describe(relinearization));
        b.append(", rotations={");
        String sep = "";
        for (Map.Entry<Integer, Integer> e : rotations.entrySet()) {
            b.append(sep).append(e.getKey());
            if (e.getValue() != ALL_LEVELS) {
                b.append('@').append(e.getValue());
            }
            sep = ", ";
        }
        return b.append("}, conjugation=").append(describe(conjugation)).append(')').toString();
    }

    private static String describe(int level) {
        return level == ABSENT ? "false" : level == ALL_LEVELS ? "true" : "level " + level;
    }
}
