package io.github.lola4j.ckks;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The public keys a server needs to evaluate: the relinearization key (optional) and Galois keys
 * indexed by Galois element. Holds no secret. Immutable.
 */
public final class EvaluationKeys {

    private final CkksParameters params;
    private final RelinearizationKey relinearizationKey;
    private final Map<Long, GaloisKey> galoisKeys;

    /**
     * Groups keys.
     *
     * @param params             the parameter set every key must belong to
     * @param relinearizationKey the relinearization key, or null
     * @param galoisKeys         the Galois keys (copied)
     * @throws IllegalArgumentException if a key belongs to another parameter set
     */
    public EvaluationKeys(CkksParameters params, RelinearizationKey relinearizationKey, Iterable<GaloisKey> galoisKeys) {
        this.params = Objects.requireNonNull(params, "params");
        if (relinearizationKey != null && !relinearizationKey.parameters().equals(params)) {
            throw new IllegalArgumentException("the relinearization key belongs to another parameter set");
        }
        this.relinearizationKey = relinearizationKey;
        TreeMap<Long, GaloisKey> m = new TreeMap<>();
        for (GaloisKey k : galoisKeys) {
            if (!k.parameters().equals(params)) {
                throw new IllegalArgumentException("the Galois key " + k.galoisElement() + " belongs to another parameter set");
            }
            m.put(k.galoisElement(), k);
        }
        this.galoisKeys = Collections.unmodifiableMap(m);
    }

    /** The parameter set. */
    public CkksParameters parameters() {
        return params;
    }

    /** Whether the relinearization key is present. */
    public boolean hasRelinearizationKey() {
        return relinearizationKey != null;
    }

    /**
     * The relinearization key.
     *
     * @return the key
     * @throws IllegalStateException if it was not generated
     */
    public RelinearizationKey relinearizationKey() {
        if (relinearizationKey == null) {
            throw new IllegalStateException("no relinearization key: request it with KeyRequirements.withRelinearization()");
        }
        return relinearizationKey;
    }

    /**
     * Whether a key for Galois element g is present.
     *
     * @param g the Galois element
     * @return whether it is present
     */
    public boolean hasGaloisKey(long g) {
        return galoisKeys.containsKey(g);
    }

    /**
     * The key of Galois element g, or null when absent.
     *
     * @param g the Galois element
     * @return the key or null
     */
    public GaloisKey galoisKey(long g) {
        return galoisKeys.get(g);
    }

    /** All Galois keys by element (read-only). */
    public Map<Long, GaloisKey> galoisKeys() {
        return galoisKeys;
    }

    /**
     * What these keys lack for a computation: every key the requirements name must be present and
     * made for (at least) the level it is used at.
     *
     * @param requirements what the computation needs
     * @return empty when the keys suffice, else a sentence naming the first key missing or too low
     * @throws IllegalArgumentException if the requirements' steps do not fit the parameter set
     */
    public Optional<String> shortfall(KeyRequirements requirements) {
        if (requirements.needsRelinearization()) {
            int level = requirements.relinearizationLevel(params);
            if (relinearizationKey == null) {
                return Optional.of("the keys lack the relinearization key");
            }
            if (relinearizationKey.level() < level) {
                return Optional.of("the relinearization key was made for levels up to " + relinearizationKey.level()
                        + ", the computation relinearizes at level " + level);
            }
        }
        for (int s : requirements.rotations()) {
            if (Math.floorMod(s, params.slots()) == 0) {
                continue; // a whole turn: no key
            }
            Optional<String> r = shortfall(params.galoisElementForRotation(s),
                    requirements.rotationLevel(s, params), "the rotation by " + s);
            if (r.isPresent()) {
                return r;
            }
        }
        if (requirements.needsConjugation()) {
            return shortfall(params.galoisElementForConjugation(), requirements.conjugationLevel(params),
                    "conjugation");
        }
        return Optional.empty();
    }

    private Optional<String> shortfall(long g, int level, String what) {
        GaloisKey k = galoisKeys.get(g);
        if (k == null) {
            return Optional.of("the keys lack the Galois key for " + what);
        }
        if (k.level() < level) {
            return Optional.of("the Galois key for " + what + " was made for levels up to " + k.level()
                    + ", the computation uses it at level " + level);
        }
        return Optional.empty();
    }

    /** The total size in bytes of the key material held in memory. */
    public long sizeInBytes() {
        long s = relinearizationKey == null ? 0 : relinearizationKey.sizeInBytes();
        for (GaloisKey k : galoisKeys.values()) {
            s += k.sizeInBytes();
        }
        return s;
    }
}
