package io.github.lola4j.ring;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import java.util.Arrays;

/**
 * A polynomial of Z_Q[X]/(X^N + 1) in RNS form: {@code long[limbs][N]}, row i holding the
 * residues mod the ring's i-th prime, every residue in [0, q_i). It is in coefficient form or in
 * NTT (evaluation) form, and always knows which: operations that need one form check it.
 *
 * <p>Operations come in the into-form {@code op(b, out)}; {@code out} may alias {@code this} or
 * {@code b} unless a method says otherwise, and must have the same ring. The rows are exposed
 * ({@link #limb}) for the layers above, which run their own hot loops over them; that is the one
 * place an invariant can be broken from outside, so callers keep residues reduced. Not
 * thread-safe: a polynomial being written must not be shared.
 */
public final class RnsPoly {

    private final RnsRing ring;
    private final long[][] c;
    private boolean ntt;

    /**
     * A zero polynomial.
     *
     * @param ring the ring
     * @param ntt  whether it is in NTT form
     */
    public RnsPoly(RnsRing ring, boolean ntt) {
        this.ring = ring;
        this.c = new long[ring.limbs()][ring.ringDegree()];
        this.ntt = ntt;
    }

    private RnsPoly(RnsRing ring, long[][] rows, boolean ntt) {
        this.ring = ring;
        this.c = rows;
        this.ntt = ntt;
    }

    /**
     * Wraps existing rows without copying (the caller gives up ownership).
     *
     * @param ring the ring
     * @param rows limbs x N residues, row i in [0, q_i)
     * @param ntt  whether the rows are in NTT form
     * @return the polynomial
     * @throws IllegalArgumentException if the shape does not match the ring
     */
    public static RnsPoly wrap(RnsRing ring, long[][] rows, boolean ntt) {
        if (rows.length != ring.limbs()) {
            throw new IllegalArgumentException("expected " + ring.limbs() + " rows, got " + rows.length);
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != ring.ringDegree()) {
                throw new IllegalArgumentException("row " + i + " has length " + rows[i].length + ", expected "
                        + ring.ringDegree());
            }
        }
        return new RnsPoly(ring, rows, ntt);
    }

    /**
     * The polynomial with small signed integer coefficients (a secret, an error), reduced into
     * every limb consistently.
     *
     * @param ring   the ring
     * @param coeffs N signed coefficients
     * @param toNtt  whether to return it in NTT form
     * @return the polynomial
     */
    public static RnsPoly fromSigned(RnsRing ring, long[] coeffs, boolean toNtt) {
        int n = ring.ringDegree();
        if (coeffs.length != n) {
            throw new IllegalArgumentException("expected " + n + " coefficients, got " + coeffs.length);
        }
        RnsPoly p = new RnsPoly(ring, false);
        long maxAbs = 0;
        for (int j = 0; j < n; j++) {
            maxAbs = Math.max(maxAbs, Math.abs(coeffs[j]));
        }
        for (int i = 0; i < ring.limbs(); i++) {
            Modulus m = ring.modulus(i);
            long q = m.value();
            long[] row = p.c[i];
            if (maxAbs < q) {
                // Small values (noise, ternary secrets): a branch-free lift of the sign, since random signs
                // would defeat the branch predictor.
                for (int j = 0; j < n; j++) {
                    long x = coeffs[j];
                    row[j] = x + ((x >> 63) & q);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    row[j] = m.reduceSigned(coeffs[j]);
                }
            }
        }
        if (toNtt) {
            p.toNtt();
        }
        return p;
    }

    /** The ring. */
    public RnsRing ring() {
        return ring;
    }

    /** The number of limbs. */
    public int limbs() {
        return c.length;
    }

    /** The ring degree N. */
    public int ringDegree() {
        return ring.ringDegree();
    }

    /** The level, {@code limbs() - 1}. */
    public int level() {
        return c.length - 1;
    }

    /** Whether the polynomial is in NTT form. */
    public boolean isNtt() {
        return ntt;
    }

    /**
     * Marks the form without transforming (for callers that filled the rows themselves).
     *
     * @param ntt the form the rows are in
     */
    public void setNtt(boolean ntt) {
        this.ntt = ntt;
    }

    /**
     * The backing row of limb i (no copy: writes change this polynomial).
     *
     * @param i index in [0, limbs())
     * @return the N residues mod q_i
     */
    public long[] limb(int i) {
        return c[i];
    }

    /** A deep copy. */
    public RnsPoly copy() {
        long[][] rows = new long[c.length][];
        for (int i = 0; i < c.length; i++) {
            rows[i] = c[i].clone();
        }
        return new RnsPoly(ring, rows, ntt);
    }

    /**
     * Copies {@code src}'s rows and form into this polynomial.
     *
     * @param src a polynomial with at least as many limbs over the same primes (extra limbs of
     *            src are ignored)
     */
    public void copyFrom(RnsPoly src) {
        checkPrefix(src, "copyFrom");
        for (int i = 0; i < c.length; i++) {
            System.arraycopy(src.c[i], 0, c[i], 0, c[i].length);
        }
        ntt = src.ntt;
    }

    /** Sets every residue to zero (the form is kept). */
    public void zero() {
        for (long[] row : c) {
            Arrays.fill(row, 0);
        }
    }

    /**
     * A copy restricted to the first {@code newLimbs} limbs (dropping the last primes).
     *
     * @param newLimbs in [1, limbs()]
     * @return the polynomial over the sub-ring
     */
    public RnsPoly dropToLimbs(int newLimbs) {
        if (newLimbs < 1 || newLimbs > c.length) {
            throw new IllegalArgumentException("limb count " + newLimbs + " is outside [1, " + c.length + "]");
        }
        long[][] rows = new long[newLimbs][];
        for (int i = 0; i < newLimbs; i++) {
            rows[i] = c[i].clone();
        }
        return new RnsPoly(ring.atLevel(newLimbs - 1), rows, ntt);
    }

    /**
     * A view of the first {@code newLimbs} limbs that shares rows with this polynomial (writes to
     * either show in both).
     *
     * @param newLimbs in [1, limbs()]
     * @return the view
     */
    public RnsPoly prefixView(int newLimbs) {
        if (newLimbs < 1 || newLimbs > c.length) {
            throw new IllegalArgumentException("limb count " + newLimbs + " is outside [1, " + c.length + "]");
        }
        return new RnsPoly(ring.atLevel(newLimbs - 1), Arrays.copyOf(c, newLimbs), ntt);
    }

    /** Converts to NTT form in place (no-op if already there). */
    public void toNtt() {
        if (!ntt) {
            for (int i = 0; i < c.length; i++) {
                Ntt.forward(c[i], ring.tables(i));
            }
            ntt = true;
        }
    }

    /** Converts to coefficient form in place (no-op if already there). */
    public void toCoeff() {
        if (ntt) {
            for (int i = 0; i < c.length; i++) {
                Ntt.inverse(c[i], ring.tables(i));
            }
            ntt = false;
        }
    }

    /**
     * out = this + b.
     *
     * @param b   same ring and form
     * @param out same ring (modified; may alias)
     */
    public void add(RnsPoly b, RnsPoly out) {
        check(b, out, "add");
        for (int i = 0; i < c.length; i++) {
            long q = ring.modulus(i).value();
            long[] x = c[i];
            long[] y = b.c[i];
            long[] z = out.c[i];
            for (int j = 0; j < x.length; j++) {
                long s = x[j] + y[j] - q;
                z[j] = s + ((s >> 63) & q);
            }
        }
        out.ntt = ntt;
    }

    /**
     * out = this - b.
     *
     * @param b   same ring and form
     * @param out same ring (modified; may alias)
     */
    public void sub(RnsPoly b, RnsPoly out) {
        check(b, out, "sub");
        for (int i = 0; i < c.length; i++) {
            long q = ring.modulus(i).value();
            long[] x = c[i];
            long[] y = b.c[i];
            long[] z = out.c[i];
            for (int j = 0; j < x.length; j++) {
                long s = x[j] - y[j];
                z[j] = s + ((s >> 63) & q);
            }
        }
        out.ntt = ntt;
    }

    /**
     * out = -this.
     *
     * @param out same ring (modified; may alias)
     */
    public void neg(RnsPoly out) {
        checkSameRing(out, "neg");
        for (int i = 0; i < c.length; i++) {
            long q = ring.modulus(i).value();
            long[] x = c[i];
            long[] z = out.c[i];
            for (int j = 0; j < x.length; j++) {
                long v = x[j];
                z[j] = (q - v) & -((v | -v) >>> 63); // 0 stays 0
            }
        }
        out.ntt = ntt;
    }

    /**
     * out = this * b, coefficient-wise in NTT form (the negacyclic product).
     *
     * @param b   same ring, NTT form
     * @param out same ring (modified; may alias)
     * @throws IllegalStateException if an operand is not in NTT form
     */
    public void mul(RnsPoly b, RnsPoly out) {
        check(b, out, "mul");
        requireNtt("mul");
        for (int i = 0; i < c.length; i++) {
            ring.modulus(i).mul(c[i], b.c[i], out.c[i]);
        }
        out.ntt = true;
    }

    /**
     * out += this * b, coefficient-wise in NTT form.
     *
     * @param b   same ring, NTT form
     * @param out same ring, NTT form (modified; may alias)
     */
    public void mulAdd(RnsPoly b, RnsPoly out) {
        check(b, out, "mulAdd");
        requireNtt("mulAdd");
        if (!out.ntt) {
            throw new IllegalStateException("mulAdd: the accumulator is not in NTT form");
        }
        for (int i = 0; i < c.length; i++) {
            ring.modulus(i).mulAdd(c[i], b.c[i], out.c[i]);
        }
    }

    /**
     * out = this * s for a signed integer scalar (in either form).
     *
     * @param s   the scalar, any long
     * @param out same ring (modified; may alias)
     */
    public void mulScalar(long s, RnsPoly out) {
        checkSameRing(out, "mulScalar");
        for (int i = 0; i < c.length; i++) {
            Modulus m = ring.modulus(i);
            long w = m.reduceSigned(s);
            mulRow(m, c[i], w, out.c[i]);
        }
        out.ntt = ntt;
    }

    /**
     * out = this * s where s is given by its residue in each limb (in either form).
     *
     * @param residues one residue per limb, each in [0, q_i)
     * @param out      same ring (modified; may alias)
     */
    public void mulScalar(long[] residues, RnsPoly out) {
        checkSameRing(out, "mulScalar");
        if (residues.length < c.length) {
            throw new IllegalArgumentException("mulScalar: expected " + c.length + " residues, got " + residues.length);
        }
        for (int i = 0; i < c.length; i++) {
            mulRow(ring.modulus(i), c[i], residues[i], out.c[i]);
        }
        out.ntt = ntt;
    }

    private static void mulRow(Modulus m, long[] x, long w, long[] z) {
        long wp = m.shoup(w);
        long ws = wp >> 63;
        long q = m.value();
        for (int j = 0; j < x.length; j++) {
            long a = x[j];
            long est = Math.multiplyHigh(a, wp) + (ws & a);
            long r = a * w - est * q - q;
            z[j] = r + ((r >> 63) & q);
        }
    }

    /**
     * out = this(X^g), the automorphism of Galois element g, in the current form.
     *
     * @param g   an odd integer in [1, 2N)
     * @param out same ring (modified; must not alias this)
     * @throws IllegalArgumentException if g is even or out of range, or out aliases this
     */
    public void automorphism(long g, RnsPoly out) {
        checkSameRing(out, "automorphism");
        int n = ring.ringDegree();
        if ((g & 1) == 0 || g < 1 || g >= 2L * n) {
            throw new IllegalArgumentException("Galois element must be odd and in [1, " + (2L * n) + "), got " + g);
        }
        if (out == this || out.c[0] == c[0]) {
            throw new IllegalArgumentException("automorphism: out must not alias the input");
        }
        if (ntt) {
            int[] map = ring.automorphisms().nttMap(g);
            for (int i = 0; i < c.length; i++) {
                long[] x = c[i];
                long[] z = out.c[i];
                for (int k = 0; k < n; k++) {
                    z[k] = x[map[k]];
                }
            }
        } else {
            int[] map = ring.automorphisms().coefficientMap(g);
            for (int i = 0; i < c.length; i++) {
                long q = ring.modulus(i).value();
                long[] x = c[i];
                long[] z = out.c[i];
                for (int k = 0; k < n; k++) {
                    int t = map[k];
                    long v = x[k];
                    if (t < 0) {
                        z[t & Integer.MAX_VALUE] = v == 0 ? 0 : q - v;
                    } else {
                        z[t] = v;
                    }
                }
            }
        }
        out.ntt = ntt;
    }

    /**
     * The index map of the automorphism in NTT form, for callers that permute their own rows
     * (hoisted rotations): value at source index {@code map[k]} lands at k.
     *
     * @param g an odd Galois element in [1, 2N)
     * @return the shared map (do not modify)
     */
    public static int[] nttAutomorphismMap(RnsRing ring, long g) {
        return ring.automorphisms().nttMap(g);
    }

    private void requireNtt(String op) {
        if (!ntt) {
            throw new IllegalStateException(op + ": operand is in coefficient form, NTT form required");
        }
    }

    private void check(RnsPoly b, RnsPoly out, String op) {
        if (b.c.length != c.length || !b.ring.sameAs(ring)) {
            throw new IllegalArgumentException(op + ": operands are over different rings: " + ring + " and " + b.ring);
        }
        if (b.ntt != ntt) {
            throw new IllegalStateException(op + ": operands are in different forms (NTT " + ntt + " and " + b.ntt + ")");
        }
        checkSameRing(out, op);
    }

    private void checkSameRing(RnsPoly out, String op) {
        if (out.c.length != c.length || !out.ring.sameAs(ring)) {
            throw new IllegalArgumentException(op + ": output is over " + out.ring + ", expected " + ring);
        }
    }

    private void checkPrefix(RnsPoly src, String op) {
        if (src.c.length < c.length || src.ringDegree() != ringDegree()) {
            throw new IllegalArgumentException(op + ": source has " + src.c.length + " limbs, need " + c.length);
        }
        for (int i = 0; i < c.length; i++) {
            if (src.ring.modulus(i).value() != ring.modulus(i).value()) {
                throw new IllegalArgumentException(op + ": prime " + i + " differs");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RnsPoly)) {
            return false;
        }
        RnsPoly p = (RnsPoly) o;
        return p.ntt == ntt && p.ring.sameAs(ring) && Arrays.deepEquals(p.c, c);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(c) * 31 + (ntt ? 1 : 0);
    }

    @Override
    public String toString() {
        return "RnsPoly(N=" + ringDegree() + ", limbs=" + c.length + ", " + (ntt ? "NTT" : "coefficient") + " form)";
    }
}
