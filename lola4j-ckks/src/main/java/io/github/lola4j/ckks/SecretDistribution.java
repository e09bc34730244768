package io.github.lola4j.ckks;

/**
 * How the secret key's coefficients are drawn.
 *
 * <p>The security table ({@link SecurityLevel}) holds for {@link #ternary() uniform ternary}
 * secrets. Sparse secrets of a fixed Hamming weight make multiplications by the secret cheaper in
 * noise but weaken the lattice problem (sparse-secret attacks), and no validated table exists for
 * them here: they are accepted only with {@link SecurityLevel#NONE}.
 *
 * @param hammingWeight 0 for uniform ternary, otherwise the exact number of non-zero coefficients
 */
public record SecretDistribution(int hammingWeight) {

    /**
     * Validates the weight.
     *
     * @param hammingWeight 0 (uniform ternary) or a positive weight
     */
    public SecretDistribution {
        if (hammingWeight < 0) {
            throw new IllegalArgumentException("hammingWeight must be 0 (uniform ternary) or positive, got " + hammingWeight);
        }
    }

    /** Coefficients uniform in {-1, 0, 1}: the distribution the security table assumes. */
    public static SecretDistribution ternary() {
        return new SecretDistribution(0);
    }

    /**
     * Exactly h coefficients in {-1, 1}, the rest zero.
     *
     * @param h the Hamming weight, positive
     * @return the distribution
     */
    public static SecretDistribution sparseTernary(int h) {
        if (h <= 0) {
            throw new IllegalArgumentException("Hamming weight must be positive, got " + h);
        }
        return new SecretDistribution(h);
    }

    /** Whether this is the uniform ternary distribution. */
    public boolean isUniformTernary() {
        return hammingWeight == 0;
    }

    @Override
    public String toString() {
        return hammingWeight == 0 ? "ternary" : "ternary(h=" + hammingWeight + ")";
    }
}
