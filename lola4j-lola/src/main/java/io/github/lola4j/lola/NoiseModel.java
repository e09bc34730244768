package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.math.Sampler;

/**
 * The compiler's estimate of the noise CKKS adds, per operation, as the variance of the error of
 * one decoded slot (its real part) in the units of the values: what {@link PlainSlots} adds up
 * along a plan so that the compiler can predict the error of the scores before any key exists.
 *
 * <p>The usual average-case model (Costache, Curtis, Hales, Murphy, Ozbek, Player: "On the
 * precision loss in approximate homomorphic encryption", 2022): a polynomial with independent
 * coefficients of variance v decodes, through the canonical embedding, to slots whose real parts
 * have variance N v / 2; a product with the secret s multiplies a coefficient variance by
 * N E[s_i^2] (2N/3 for a uniform ternary secret). Hence:
 * <ul>
 *   <li>a fresh public-key encryption: lola4j's {@code Encryptor} computes (u pk + e) over Q and P
 *       and divides by P (as SEAL does), so its noise e0 + e_pk u + e1 s, of coefficient variance
 *       sigma^2 (1 + 2N/3 + N E[s^2]), is divided by P, and what remains is the rounding of that
 *       division in c0 and c1, (1 + N E[s^2]) / 12, plus 1/12 for the rounding of the encoding
 *       (an earlier version took the undivided noise: 245 times the variance at N = 8192);</li>
 *   <li>a fresh secret-key encryption: its error e, sigma^2 + 1/12 (less than the public key's);</li>
 *   <li>a rescale or the ModDown of a key switch rounds c0 and c1: (1 + N E[s^2]) / 12;</li>
 *   <li>a key switch adds, besides that rounding, the digits' inner product with the key's errors
 *       divided by P: per digit N (D^2 / 12) sigma^2 / P^2 for a digit of modulus D;</li>
 *   <li>a plaintext or constant operand is rounded when encoded: 1/12 per coefficient at its scale.</li>
 * </ul>
 * How the errors then combine (sums add variances, a product by w multiplies by w^2, a product of
 * ciphertexts a b adds b^2 var(a) + a^2 var(b)) is {@link PlainSlots}'s part; it takes the largest
 * |value| of each operand, which makes the estimate an upper bound in that respect. The estimate is
 * validated against measured errors of the precision ledger (NoiseModelTest). Immutable.
 */
final class NoiseModel {

    /** Standard deviations to the reported bound: the largest of 10^4 x 10 Gaussian errors is about 4.5 sigma. */
    static final double BOUND_SIGMAS = 6;

    private final double n;
    private final double freshVar;
    private final double roundVar;
    private final double[] keySwitchVar;

    private NoiseModel(double n, double freshVar, double roundVar, double[] keySwitchVar) {
        this.n = n;
        this.freshVar = freshVar;
        this.roundVar = roundVar;
        this.keySwitchVar = keySwitchVar;
    }

    /**
     * The model of a parameter set.
     *
     * @param p the parameters
     * @return the model
     */
    static NoiseModel of(CkksParameters p) {
        double n = p.ringDegree();
        int h = p.secretDistribution().hammingWeight();
        double sSquare = h == 0 ? 2.0 / 3 : (double) h / n; // E[s_i^2]
        double sigma2 = Sampler.SIGMA * Sampler.SIGMA;
        double round = (1 + n * sSquare) / 12;
        double log2P = 0;
        for (long q : p.specialPrimes()) {
            log2P += Math.log(q) / Math.log(2);
        }
        double fresh = sigma2 * (1 + 2 * n / 3 + n * sSquare) * Math.pow(2, -2 * log2P) + round + 1.0 / 12;
        double[] ks = new double[p.maxLevel() + 1];
        for (int level = 0; level <= p.maxLevel(); level++) {
            double digits = 0;
            for (int d = 0; d < p.dnum(); d++) {
                int start = p.digitStart(d);
                int end = Math.min(p.digitEnd(d), level + 1);
                if (start >= end) {
                    continue;
                }
                double log2D = 0;
                for (int i = start; i < end; i++) {
                    log2D += Math.log(p.prime(i)) / Math.log(2);
                }
                // N (D^2 / 12) sigma^2 / P^2, in the log domain so that large digits cannot overflow
                digits += n * sigma2 / 12 * Math.pow(2, 2 * (log2D - log2P));
            }
            ks[level] = digits + round;
        }
        return new NoiseModel(n, fresh, round, ks);
    }

    /** The variance a polynomial of independent coefficients of variance v gives a slot's real part. */
    private double slots(double coefficientVariance) {
        return n / 2 * coefficientVariance;
    }

    /** A fresh public-key encryption at a scale (secret-key encryptions have less). */
    double fresh(double scale) {
        return slots(freshVar) / (scale * scale);
    }

    /** A fresh secret-key encryption at a scale: its Gaussian error and the encoding's rounding. */
    double freshSecretKey(double scale) {
        return slots(Sampler.SIGMA * Sampler.SIGMA + 1.0 / 12) / (scale * scale);
    }

    /** A rescale: the rounding, at the new scale. */
    double rescale(double newScale) {
        return slots(roundVar) / (newScale * newScale);
    }

    /** A key switch (rotation or relinearization) at a level and scale. */
    double keySwitch(int level, double scale) {
        return slots(keySwitchVar[level]) / (scale * scale);
    }

    /** A plaintext operand encoded at a scale: its rounding. */
    double encoding(double scale) {
        return slots(1.0 / 12) / (scale * scale);
    }

    /** A constant rounded to a multiple of 1/scale: the same in every slot. */
    double constant(double scale) {
        return 1.0 / (12 * scale * scale);
    }
}
