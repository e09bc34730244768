package io.github.lola4j.lola;

import java.util.Locale;

/**
 * A decrypted result that cannot be the plan's correct answer: some slot lies beyond the range
 * every slot of a correct evaluation stays in. Thrown by {@link ClientPlan#decryptOutput} and
 * {@link ClientPlan#decryptBatch} instead of returning the scores.
 *
 * <p>The range of a ciphertext at level l and scale &Delta; is |v| &le; Q_l / (2 &Delta;), Q_l
 * the product of its primes: beyond it the plaintext wraps around the modulus, so no value there
 * decrypts correctly. The compiler chose the primes so that on its calibration inputs every slot of
 * every step stays at least {@link CompileOptions#headroomBits()} bits below that range.
 * A result decrypted under another secret key than the one that made the server's evaluation
 * keys, or corrupted on the way, decodes to values of about Q_l sqrt(N) / &Delta;: nearly every
 * slot is out of range ({@link #likelyWrongKey()}). A few slots out of range mean an overflow: an
 * input that drove the network far beyond its calibrated range. Either way the scores are wrong.
 *
 * <p>{@link ClientPlan#decryptOutputUnchecked} skips the check, for research on raw values.
 */
public final class ResultOutOfRangeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long outOfRange;
    private final long checked;
    private final double largest;
    private final double bound;

    /**
     * A refused result.
     *
     * @param outOfRange the slots beyond the range
     * @param checked    the slots checked
     * @param largest    the largest |value| found
     * @param bound      the range's limit |v| &le; bound (of the ciphertext that held the largest value)
     */
    public ResultOutOfRangeException(long outOfRange, long checked, double largest, double bound) {
        super(message(outOfRange, checked, largest, bound));
        this.outOfRange = outOfRange;
        this.checked = checked;
        this.largest = largest;
        this.bound = bound;
    }

    private static String message(long outOfRange, long checked, double largest, double bound) {
        String figures = String.format(Locale.ROOT, "%d of %d slots exceed the plan's range |v| <= %.4g (largest |v| = %.4g)",
                outOfRange, checked, bound, largest);
        if (outOfRange * 10 >= checked) {
            return "the result does not decrypt under this secret key or is corrupted: " + figures
                    + "; the server evaluated with other keys than this key's (re-register the evaluation keys)";
        }
        return "the result overflowed or is corrupted: " + figures + "; the input drove the network beyond the range"
                + " the plan was calibrated for (compile with calibration data like this input, or more headroom bits)";
    }

    /** Whether most slots are out of range: the signature of another secret key or of corruption. */
    public boolean likelyWrongKey() {
        return outOfRange * 10 >= checked;
    }

    /** The slots beyond the range. */
    public long outOfRange() {
        return outOfRange;
    }

    /** The slots checked (every slot of every ciphertext of the result). */
    public long checked() {
        return checked;
    }

    /** The largest |value| decrypted. */
    public double largest() {
        return largest;
    }

    /** The range's limit. */
    public double bound() {
        return bound;
    }
}
