package io.github.lola4j.ckks;

import io.github.lola4j.math.CenteredLift;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Encodes vectors of up to N/2 real or complex numbers into plaintexts and decodes them back,
 * through the canonical embedding: O(N log N).
 *
 * <p>Slot j corresponds to evaluating the message polynomial at zeta^(5^j), zeta = exp(i pi / N);
 * the automorphism X -&gt; X^(5^k) therefore rotates the slots left by k, and X -&gt; X^-1
 * conjugates them. Encoding multiplies by the scale and rounds to integers; values whose scaled
 * coefficients would not fit the level's modulus are refused, never wrapped.
 *
 * <p>The powers 5^j mod 2N are exactly the residues 4k + 1, k &lt; N/2, and at x = zeta^(4k+1)
 * x^(N/2) = i, so m(x) = sum_(t &lt; N/2) (m_t + i m_(t+N/2)) zeta^t e^(2 pi i kt / (N/2)): the
 * slots are one complex FFT of N/2 points ({@link CanonicalFft}) of the folded, twisted
 * coefficients, and encoding is its inverse. That is half the size of the textbook transform
 * (N points over both a slot and its conjugate) and needs no conjugate slots.
 *
 * <p>Thread-safe: all tables are immutable and work arrays are allocated per call.
 */
public final class Encoder {

    private final CkksParameters params;
    private final int n;
    private final int slots;
    private final CanonicalFft fft;
    private final double[] cos;      // cos(pi t / N), t < N/2: the twist zeta^t
    private final double[] sin;      // sin(pi t / N)
    private final int[] slotIndex;   // k with 4k+1 = 5^j mod 2N

    /**
     * Creates the encoder and its tables.
     *
     * @param params the parameter set
     */
    public Encoder(CkksParameters params) {
        this.params = params;
        this.n = params.ringDegree();
        this.slots = n / 2;
        this.fft = new CanonicalFft(slots);
        this.cos = new double[slots];
        this.sin = new double[slots];
        for (int t = 0; t < slots; t++) {
            double angle = Math.PI * t / n;
            cos[t] = Math.cos(angle);
            sin[t] = Math.sin(angle);
        }
        slotIndex = new int[slots];
        long twoN = 2L * n;
        long g = 1;
        for (int j = 0; j < slots; j++) {
            slotIndex[j] = (int) ((g - 1) / 4);
            g = g * 5 % twoN;
        }
    }

    /** The parameter set. */
    public CkksParameters parameters() {
        return params;
    }

    /** The number of slots, N/2. */
    public int slots() {
        return slots;
    }

    /**
     * Encodes real values at the top level and the default scale.
     *
     * @param values up to N/2 values (missing slots are zero)
     * @return the plaintext
     */
    public Plaintext encode(double[] values) {
        return encode(values, params.maxLevel(), params.defaultScale());
    }

    /**
     * Encodes real values.
     *
     * @param values up to N/2 finite values (missing slots are zero; not modified)
     * @param level  the level, in [0, maxLevel]
     * @param scale  the scale, positive
     * @return the plaintext
     * @throws IllegalArgumentException on too many or non-finite values, a bad level or scale, or
     *                                  values too large for the level's modulus at this scale
     */
    public Plaintext encode(double[] values, int level, double scale) {
        return encodeComplex(values, null, level, scale);
    }

    /**
     * Encodes complex values given as real and imaginary parts.
     *
     * @param re    up to N/2 real parts (not modified)
     * @param im    the imaginary parts, same length as re, or null for all zero
     * @param level the level, in [0, maxLevel]
     * @param scale the scale, positive
     * @return the plaintext
     * @throws IllegalArgumentException as {@link #encode(double[], int, double)}
     */
    public Plaintext encodeComplex(double[] re, double[] im, int level, double scale) {
        checkLevelScale(level, scale);
        if (re.length > slots) {
            throw new IllegalArgumentException("at most " + slots + " values fit the slots, got " + re.length);
        }
        if (im != null && im.length != re.length) {
            throw new IllegalArgumentException("real and imaginary parts differ in length: " + re.length + " and " + im.length);
        }
        double[] v = new double[n];
        for (int j = 0; j < re.length; j++) {
            double a = re[j];
            double b = im == null ? 0 : im[j];
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                throw new IllegalArgumentException("value " + j + " is not finite: " + a + (im == null ? "" : " + " + b + "i"));
            }
            int k = slotIndex[j];
            v[2 * k] = a;
            v[2 * k + 1] = b;
        }
        // z_t = (1 / (N/2)) sum_k m(zeta^(4k+1)) e^(-2 pi i kt / (N/2)), then m_t + i m_(t+N/2) = z_t zeta^-t
        fft.forward(v);
        double[] coeffs = new double[n];
        double f = scale / slots;
        for (int t = 0; t < slots; t++) {
            double zr = v[2 * t];
            double zi = v[2 * t + 1];
            coeffs[t] = (zr * cos[t] + zi * sin[t]) * f;
            coeffs[t + slots] = (zi * cos[t] - zr * sin[t]) * f;
        }
        return new Plaintext(toRns(coeffs, level, scale), scale);
    }

    /**
     * Encodes the same real constant in every slot (a constant polynomial: no FFT).
     *
     * @param value the constant, finite
     * @param level the level
     * @param scale the scale
     * @return the plaintext
     */
    public Plaintext encodeConstant(double value, int level, double scale) {
        checkLevelScale(level, scale);
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("constant is not finite: " + value);
        }
        double[] coeffs = new double[n];
        coeffs[0] = value * scale;
        return new Plaintext(toRns(coeffs, level, scale), scale);
    }

    /**
     * Rounds scaled coefficients to integers and reduces them into every limb of the level, in NTT
     * form.
     *
     * @param coeffs N scaled coefficients (not modified)
     * @param level  the level
     * @param scale  the scale (for the error message only)
     * @return the polynomial
     */
    RnsPoly toRns(double[] coeffs, int level, double scale) {
        RnsRing ring = params.ringQ().atLevel(level);
        double log2Q = ring.basis().log2Product();
        double max = 0;
        for (double c : coeffs) {
            max = Math.max(max, Math.abs(c));
        }
        if (max > 0 && Math.log(max) / Math.log(2) >= log2Q - 1) {
            throw new IllegalArgumentException(String.format(
                    "values too large to encode: the largest scaled coefficient is 2^%.1f but level %d holds only 2^%.1f"
                            + " (lower the scale 2^%.1f, encode at a higher level, or scale the values down)",
                    Math.log(max) / Math.log(2), level, log2Q - 1, Math.log(scale) / Math.log(2)));
        }
        RnsPoly p = new RnsPoly(ring, false);
        int limbs = ring.limbs();
        for (int i = 0; i < n; i++) {
            double c = coeffs[i];
            if (Math.abs(c) < 0x1p62) {
                long r = Math.round(c);
                for (int l = 0; l < limbs; l++) {
                    p.limb(l)[i] = ring.modulus(l).reduceSigned(r);
                }
            } else {
                BigInteger r = new BigDecimal(c).setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
                for (int l = 0; l < limbs; l++) {
                    p.limb(l)[i] = r.mod(BigInteger.valueOf(ring.modulus(l).value())).longValue();
                }
            }
        }
        p.toNtt();
        return p;
    }

    /**
     * Decodes the real parts of the slots.
     *
     * @param pt the plaintext
     * @return N/2 values
     */
    public double[] decode(Plaintext pt) {
        return decodeComplex(pt)[0];
    }

    /**
     * Decodes the slots as complex numbers.
     *
     * @param pt the plaintext
     * @return {re, im}, each of N/2 values
     */
    public double[][] decodeComplex(Plaintext pt) {
        double[] coeffs = centeredCoefficients(pt.poly());
        double inv = 1.0 / pt.scale();
        double[] v = new double[n];
        for (int t = 0; t < slots; t++) {
            // (m_t + i m_(t+N/2)) zeta^t
            double a = coeffs[t] * inv;
            double b = coeffs[t + slots] * inv;
            v[2 * t] = a * cos[t] - b * sin[t];
            v[2 * t + 1] = a * sin[t] + b * cos[t];
        }
        fft.inverse(v);
        double[] re = new double[slots];
        double[] im = new double[slots];
        for (int j = 0; j < slots; j++) {
            int k = slotIndex[j];
            re[j] = v[2 * k];
            im[j] = v[2 * k + 1];
        }
        return new double[][] {re, im};
    }

    /** The centered integer coefficients of a polynomial (any form; the input is not modified). */
    static double[] centeredCoefficients(RnsPoly poly) {
        RnsPoly p = poly;
        if (p.isNtt()) {
            p = poly.copy();
            p.toCoeff();
        }
        int limbs = p.limbs();
        long[][] rows = new long[limbs][];
        Modulus[] moduli = new Modulus[limbs];
        for (int l = 0; l < limbs; l++) {
            rows[l] = p.limb(l);
            moduli[l] = p.ring().modulus(l);
        }
        double[] out = new double[p.ringDegree()];
        CenteredLift.toCenteredDoubles(rows, moduli, out);
        return out;
    }

    private void checkLevelScale(int level, double scale) {
        if (level < 0 || level > params.maxLevel()) {
            throw new IllegalArgumentException("level " + level + " is outside [0, " + params.maxLevel() + "]");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
    }
}
