/**
 * RNS-CKKS homomorphic encryption: modular arithmetic and the NTT ({@code math}), RNS polynomials
 * ({@code ring}) and the CKKS scheme ({@code ckks}).
 *
 * <p>The vector kernels use the incubating {@code jdk.incubator.vector} module when the JVM was
 * started with {@code --add-modules jdk.incubator.vector}; the module is not required here (see
 * {@link io.github.lola4j.math.Simd}).
 */
module io.github.lola4j.ckks {
    requires transitive io.github.lola4j.format;
    requires JTransforms;

    exports io.github.lola4j.ckks;
    exports io.github.lola4j.math;
    exports io.github.lola4j.ring;
}
