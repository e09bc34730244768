package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A tensor encrypted in a message representation: one ciphertext per ciphertext of the
 * {@link Representation}, all at one level and scale, tagged with the fingerprint of the
 * {@link Plan} it belongs to (a plan refuses tensors of another plan) and with the number of
 * images it holds, so that whoever decrypts it needs nothing beside it: 1 for a latency-mode
 * input, the batch's count for {@link ClientPlan#encryptBatch} (the last batch of a set may hold
 * fewer than the plan's batch size), carried by {@link Plan#evaluate} from input to result.
 * Holds no secret. The list is immutable; the ciphertexts must not be modified.
 */
public final class EncryptedTensor {

    /** The image count of a tensor that does not record it. */
    private static final int UNKNOWN = 0;

    private final Representation representation;
    private final List<Ciphertext> ciphertexts;
    private final long planFingerprint;
    /** The images it holds, or UNKNOWN (a tensor stream of version 3 or earlier, the three-argument constructor). */
    private final int images;

    /**
     * Wraps ciphertexts without recording how many images they hold: such a tensor is evaluated
     * as any other, but a batch result made from it must be decrypted with an explicit count
     * ({@link ClientPlan#decryptBatch(EncryptedTensor, io.github.lola4j.ckks.SecretKey, int)}).
     *
     * @param representation  the layout
     * @param ciphertexts     one per ciphertext of the layout, same level and scale
     * @param planFingerprint the plan's {@link Plan#fingerprint()}
     * @throws IllegalArgumentException on a count, level or scale mismatch
     */
    public EncryptedTensor(Representation representation, List<Ciphertext> ciphertexts, long planFingerprint) {
        this(UNKNOWN, representation, ciphertexts, planFingerprint);
    }

    /**
     * Wraps ciphertexts holding a number of images. The plan checks the number against its batch
     * size when it evaluates, writes or decrypts the tensor.
     *
     * @param representation  the layout
     * @param ciphertexts     one per ciphertext of the layout, same level and scale
     * @param planFingerprint the plan's {@link Plan#fingerprint()}
     * @param images          the images the tensor holds: 1 in latency mode, 1 to the batch size
     *                        in batch mode
     * @throws IllegalArgumentException on images below 1, or a count, level or scale mismatch
     */
    public EncryptedTensor(Representation representation, List<Ciphertext> ciphertexts, long planFingerprint, int images) {
        this(checkImages(images), representation, ciphertexts, planFingerprint);
    }

    private static int checkImages(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("encrypted tensor: it must hold at least 1 image, got " + images);
        }
        return images;
    }

    /** The one constructor that builds; images is checked by the caller (UNKNOWN or at least 1). */
    private EncryptedTensor(int images, Representation representation, List<Ciphertext> ciphertexts, long planFingerprint) {
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
        this.images = images;
    }

    /**
     * A tensor of the same plan and image count as this one, with other ciphertexts (a step of
     * an evaluation).
     */
    EncryptedTensor successor(Representation representation, List<Ciphertext> ciphertexts) {
        return new EncryptedTensor(images, representation, ciphertexts, planFingerprint);
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

    /**
     * How many images the tensor holds: 1 in latency mode, the batch's count in batch mode; empty
     * when it does not record it (read from a tensor stream of version 3 or earlier, or built
     * with the three-argument constructor).
     *
     * @return the image count, when known
     */
    public OptionalInt images() {
        return images == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(images);
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
        return "EncryptedTensor(" + representation.describe() + ", " + ciphertexts.size() + " ct at level " + level() + ", "
                + (images == UNKNOWN ? "image count unknown" : images + (images == 1 ? " image" : " images")) + ")";
    }
}
