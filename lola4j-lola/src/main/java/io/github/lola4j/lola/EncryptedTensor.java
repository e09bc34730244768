package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import java.util.List;
import java.util.Objects;

/**
 * A tensor encrypted in a message representation: one ciphertext per ciphertext of the
 * {@link Representation}, all at one level and scale, tagged with the fingerprint of the
 * {@link Plan} it belongs to (a plan refuses tensors of another plan). Holds no secret. The list is
 * immutable; the ciphertexts must not be modified.
 */
public final class EncryptedTensor {

    private final Representation representation;
    private final List<Ciphertext> ciphertexts;
    private final long planFingerprint;

    /**
     * Wraps ciphertexts.
     *
     * @param representation  the layout
     * @param ciphertexts     one per ciphertext of the layout, same level and scale
     * @param planFingerprint the plan's {@link Plan#fingerprint()}
     * @throws IllegalArgumentException on a count, level or scale mismatch
     */
    public EncryptedTensor(Representation representation, List<Ciphertext> ciphertexts, long planFingerprint) {
        this.representation = Objects.requireNonNull(representation, "representation");
        this.ciphertexts = List.copyOf(ciphertexts);
        if (this.ciphertexts.size() != representation.ciphertexts()) {
            throw new IllegalArgumentException("encrypted tensor: the " + representation.kind() + " representation has "
                    + representation.ciphertexts() + " ciphertexts, got " + this.ciphertexts.size());
        }
        Ciphertext c0 = this.ciphertexts.get(0);
        for (int i = 1; i < this.ciphertexts.size(); i++) {
            Ciphertext c = this.ciphertexts.get(i);
            if (c.level() != c0.level() || Math.abs(c.scale() - c0.scale()) > c0.scale() * 0x1p-40) {
                throw new IllegalArgumentException("encrypted tensor: ciphertext " + i + " is at level " + c.level()
                        + ", ciphertext 0 at level " + c0.level() + " (or their scales differ)");
            }
        }
        this.planFingerprint = planFingerprint;
    }

    /** The layout. */
    public Representation representation() {
        return representation;
    }

    /** The ciphertexts (immutable list; do not modify the ciphertexts). */
    public List<Ciphertext> ciphertexts() {
        return ciphertexts;
    }

    /** The fingerprint of the plan the tensor belongs to. */
    public long planFingerprint() {
        return planFingerprint;
    }

    /** The level of its ciphertexts. */
    public int level() {
        return ciphertexts.get(0).level();
    }

    /** The scale of its ciphertexts. */
    public double scale() {
        return ciphertexts.get(0).scale();
    }

    @Override
    public String toString() {
        return "EncryptedTensor(" + representation.describe() + ", " + ciphertexts.size() + " ct at level " + level() + ")";
    }
}
