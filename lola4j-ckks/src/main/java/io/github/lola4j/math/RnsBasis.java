package io.github.lola4j.math;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * An ordered list of distinct primes q_0, ..., q_{k-1} (a residue number system) with the CRT
 * constants that map between an integer mod Q = prod q_i and its residues.
 *
 * <p>{@link BigInteger} appears only here, in setup and in {@link #reconstruct}, which are off the
 * hot paths (tests, decoding of very large values); {@link BaseConverter} does the hot work.
 * Immutable and thread-safe.
 */
public final class RnsBasis {

    private final Modulus[] moduli;
    private final BigInteger product;
    private final BigInteger[] qHat;          // Q / q_i
    private final long[] qHatInv;             // (Q / q_i)^-1 mod q_i
    private final long[] qHatInvShoup;

    /**
     * Creates the basis.
     *
     * @param primes distinct primes, each of 2 to 61 bits; at least one
     * @throws IllegalArgumentException when empty, when a value repeats, or is not prime
     */
    public RnsBasis(long... primes) {
        if (primes.length == 0) {
            throw new IllegalArgumentException("an RNS basis needs at least one modulus");
        }
        Set<Long> seen = new HashSet<>();
        moduli = new Modulus[primes.length];
        for (int i = 0; i < primes.length; i++) {
            if (!seen.add(primes[i])) {
                throw new IllegalArgumentException("modulus " + primes[i] + " appears twice in the basis");
            }
            if (!Primes.isPrime(primes[i])) {
                throw new IllegalArgumentException("modulus " + primes[i] + " (index " + i + ") is not prime");
            }
            moduli[i] = new Modulus(primes[i]);
        }
        BigInteger p = BigInteger.ONE;
        for (long q : primes) {
            p = p.multiply(BigInteger.valueOf(q));
        }
        product = p;
        qHat = new BigInteger[primes.length];
        qHatInv = new long[primes.length];
        qHatInvShoup = new long[primes.length];
        for (int i = 0; i < primes.length; i++) {
            BigInteger qi = BigInteger.valueOf(primes[i]);
            qHat[i] = p.divide(qi);
            qHatInv[i] = qHat[i].mod(qi).modInverse(qi).longValueExact();
            qHatInvShoup[i] = moduli[i].shoup(qHatInv[i]);
        }
    }

    /** The number of moduli. */
    public int size() {
        return moduli.length;
    }

    /**
     * The i-th modulus.
     *
     * @param i index in [0, size())
     * @return the modulus
     */
    public Modulus modulus(int i) {
        return moduli[i];
    }

    /** The moduli as values, in order (a copy). */
    public long[] values() {
        long[] v = new long[moduli.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = moduli[i].value();
        }
        return v;
    }

    /** Q, the product of the moduli. */
    public BigInteger product() {
        return product;
    }

    /** log2(Q), exactly as a double. */
    public double log2Product() {
        double s = 0;
        for (Modulus m : moduli) {
            s += Math.log(m.value()) / Math.log(2);
        }
        return s;
    }

    /**
     * (Q/q_i)^-1 mod q_i.
     *
     * @param i index in [0, size())
     * @return the CRT constant
     */
    public long qHatInverse(int i) {
        return qHatInv[i];
    }

    long qHatInverseShoup(int i) {
        return qHatInvShoup[i];
    }

    /**
     * Q/q_i mod m.
     *
     * @param i index in [0, size())
     * @param m the target modulus
     * @return the residue of Q/q_i
     */
    public long qHatMod(int i, Modulus m) {
        return qHat[i].mod(BigInteger.valueOf(m.value())).longValueExact();
    }

    /**
     * The integer in [0, Q) with the given residues (CRT reconstruction; setup and tests only).
     *
     * @param residues one residue per modulus, each in [0, q_i)
     * @return x mod Q
     * @throws IllegalArgumentException on a wrong length or an unreduced residue
     */
    public BigInteger reconstruct(long... residues) {
        checkResidues(residues);
        BigInteger x = BigInteger.ZERO;
        for (int i = 0; i < moduli.length; i++) {
            long y = moduli[i].mul(residues[i], qHatInv[i]);
            x = x.add(qHat[i].multiply(BigInteger.valueOf(y)));
        }
        return x.mod(product);
    }

    /**
     * The centered integer in (-Q/2, Q/2] with the given residues.
     *
     * @param residues one residue per modulus, each in [0, q_i)
     * @return the centered representative
     */
    public BigInteger reconstructCentered(long... residues) {
        BigInteger x = reconstruct(residues);
        return x.compareTo(product.shiftRight(1)) > 0 ? x.subtract(product) : x;
    }

    /**
     * The residues of an integer (any sign).
     *
     * @param x the integer
     * @return x mod q_i for each i
     */
    public long[] decompose(BigInteger x) {
        long[] r = new long[moduli.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x.mod(BigInteger.valueOf(moduli[i].value())).longValueExact();
        }
        return r;
    }

    private void checkResidues(long[] residues) {
        if (residues.length != moduli.length) {
            throw new IllegalArgumentException("expected " + moduli.length + " residues, got " + residues.length);
        }
        for (int i = 0; i < residues.length; i++) {
            if (residues[i] < 0 || residues[i] >= moduli[i].value()) {
                throw new IllegalArgumentException("residue " + i + " = " + residues[i] + " is not in [0, "
                        + moduli[i].value() + ")");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RnsBasis && Arrays.equals(values(), ((RnsBasis) o).values());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values());
    }

    @Override
    public String toString() {
        return "RnsBasis" + Arrays.toString(values());
    }
}
