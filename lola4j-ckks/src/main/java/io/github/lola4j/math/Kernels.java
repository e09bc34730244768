package io.github.lola4j.math;

/**
 * The hot loops of {@link Ntt} and {@link Modulus} in another implementation that gives the same
 * values bit for bit; {@link Simd} picks one at start-up.
 */
interface Kernels {

    /** As {@link Ntt#forwardLazy}, for N &ge; 16; the length is already checked. */
    void forwardLazy(long[] a, NttTables tables);

    /** As {@link Ntt#inverseLazy}, for N &ge; 16; the length is already checked. */
    void inverseLazy(long[] a, NttTables tables);

    /** As {@link Modulus#mul(long[], long[], long[])}; the lengths are already checked. */
    void mul(Modulus m, long[] x, long[] y, long[] z);

    /** As {@link Modulus#mulAdd(long[], long[], long[])}; the lengths are already checked. */
    void mulAdd(Modulus m, long[] x, long[] y, long[] z);
}
