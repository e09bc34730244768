package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRescaler;
import io.github.lola4j.ring.RnsRing;
import java.util.Objects;

/**
 * Homomorphic operations on ciphertexts: additions, multiplications (by plaintexts, constants and
 * ciphertexts), relinearization, rescaling, level dropping, rotations (plain, composed and
 * hoisted), conjugation and rotate-and-sum.
 *
 * <p><b>Forms.</b> Each operation has an allocating form ({@code add(a, b)}) and an into-form
 * ({@code add(a, b, out)}) that overwrites {@code out} whole; {@code out} may be one of the
 * inputs. Inputs are never modified otherwise.
 *
 * <p><b>Levels and scales</b> are tracked on every operand. Two ciphertexts combined by addition
 * or subtraction must be at the same level and scale; a ciphertext times a ciphertext must be at
 * the same level; otherwise an {@link IllegalArgumentException} names the operation and both
 * sides. A plaintext above the ciphertext's level is used at the ciphertext's level (its extra
 * primes are ignored); one below it is refused. Multiplications multiply scales; {@link #rescale}
 * divides the scale by the dropped prime. Scales are compared with a relative tolerance of 2^-40.
 *
 * <p><b>Keys.</b> Relinearization and rotations use the {@link EvaluationKeys} given at
 * construction. A rotation whose exact key is absent is composed from the available rotation keys
 * (the fewest key switches, found by a breadth-first search over the steps, cached), and throws
 * naming the step when no composition exists.
 *
 * <p><b>Threads.</b> The evaluator holds no mutable state besides caches and is safe to share
 * between threads; with a {@link Parallelism} it also splits each operation over RNS limbs and
 * key-switching digits.
 */
public final class Evaluator {

    /** Relative tolerance for two scales to count as equal. */
    public static final double SCALE_TOLERANCE = 0x1p-40;

    private final CkksParameters params;
    private final EvaluationKeys keys;
    private final Parallelism par;
    private final KeySwitcher ks;
    private final Encoder encoder;
    private final RnsRescaler rescaler;
    private final Rotations rotations;

    /**
     * An evaluator without keys (no relinearization or rotations) running on the calling thread.
     *
     * @param params the parameter set
     */
    public Evaluator(CkksParameters params) {
        this(params, new EvaluationKeys(params, null, java.util.List.of()), Parallelism.sequential());
    }

    /**
     * An evaluator running on the calling thread.
     *
     * @param params the parameter set
     * @param keys   the evaluation keys
     */
    public Evaluator(CkksParameters params, EvaluationKeys keys) {
        this(params, keys, Parallelism.sequential());
    }

    /**
     * An evaluator.
     *
     * @param params      the parameter set
     * @param keys        the evaluation keys (of the same set)
     * @param parallelism how to split work over threads
     */
    public Evaluator(CkksParameters params, EvaluationKeys keys, Parallelism parallelism) {
        this.params = Objects.requireNonNull(params, "params");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.par = Objects.requireNonNull(parallelism, "parallelism");
        if (!keys.parameters().equals(params)) {
            throw new IllegalArgumentException("the evaluation keys belong to another parameter set");
        }
        this.ks = params.keySwitcher();
        this.encoder = params.encoder();
        this.rescaler = params.rescaler();
        this.rotations = new Rotations(params, keys, ks, par);
    }

    /** The parameter set. */
    public CkksParameters parameters() {
        return params;
    }

    /** The evaluation keys. */
    public EvaluationKeys keys() {
        return keys;
    }

    // ---------------------------------------------------------------- additions

    /**
     * a + b.
     *
     * @param a a ciphertext
     * @param b a ciphertext at the same level and scale
     * @return the sum
     */
    public Ciphertext add(Ciphertext a, Ciphertext b) {
        Ciphertext out = blank(a);
        add(a, b, out);
        return out;
    }

    /**
     * out = a + b (the degrees may differ: the result has the larger).
     *
     * @param a   a ciphertext (not modified unless it is out)
     * @param b   a ciphertext at the same level and scale (not modified unless it is out)
     * @param out the result (modified; may alias a or b)
     */
    public void add(Ciphertext a, Ciphertext b, Ciphertext out) {
        addSub(a, b, out, false, "add");
    }

    /**
     * a - b.
     *
     * @param a a ciphertext
     * @param b a ciphertext at the same level and scale
     * @return the difference
     */
    public Ciphertext sub(Ciphertext a, Ciphertext b) {
        Ciphertext out = blank(a);
        sub(a, b, out);
        return out;
    }

    /**
     * out = a - b.
     *
     * @param a   a ciphertext
     * @param b   a ciphertext at the same level and scale
     * @param out the result (modified; may alias a or b)
     */
    public void sub(Ciphertext a, Ciphertext b, Ciphertext out) {
        addSub(a, b, out, true, "sub");
    }

    private void addSub(Ciphertext a, Ciphertext b, Ciphertext out, boolean subtract, String op) {
        checkSameLevel(a, b, op);
        checkSameScale(a.scale(), b.scale(), op, "a", "b");
        int deg = Math.max(a.degree(), b.degree());
        RnsPoly[] r = target(out, deg + 1, a.level());
        for (int i = 0; i <= deg; i++) {
            RnsPoly x = i <= a.degree() ? a.poly(i) : null;
            RnsPoly y = i <= b.degree() ? b.poly(i) : null;
            if (x != null && y != null) {
                if (subtract) {
                    x.sub(y, r[i]);
                } else {
                    x.add(y, r[i]);
                }
            } else if (x != null) {
                if (x != r[i]) {
                    r[i].copyFrom(x);
                }
            } else if (subtract) {
                y.neg(r[i]);
            } else if (y != r[i]) {
                r[i].copyFrom(y);
            }
        }
        out.set(r, a.scale());
    }

    /**
     * -a.
     *
     * @param a a ciphertext
     * @return its negation
     */
    public Ciphertext negate(Ciphertext a) {
        Ciphertext out = blank(a);
        negate(a, out);
        return out;
    }

    /**
     * out = -a.
     *
     * @param a   a ciphertext
     * @param out the result (modified; may alias a)
     */
    public void negate(Ciphertext a, Ciphertext out) {
        RnsPoly[] r = target(out, a.degree() + 1, a.level());
        for (int i = 0; i <= a.degree(); i++) {
            a.poly(i).neg(r[i]);
        }
        out.set(r, a.scale());
    }

    /**
     * ct + pt.
     *
     * @param ct a ciphertext
     * @param pt a plaintext at the ciphertext's scale and at least its level
     * @return the sum
     */
    public Ciphertext addPlain(Ciphertext ct, Plaintext pt) {
        Ciphertext out = blank(ct);
        addPlain(ct, pt, out);
        return out;
    }

    /**
     * out = ct + pt.
     *
     * @param ct  a ciphertext
     * @param pt  a plaintext at the ciphertext's scale and at least its level
     * @param out the result (modified; may alias ct)
     */
    public void addPlain(Ciphertext ct, Plaintext pt, Ciphertext out) {
        addSubPlain(ct, pt, out, false, "addPlain");
    }

    /**
     * ct - pt.
     *
     * @param ct a ciphertext
     * @param pt a plaintext at the ciphertext's scale and at least its level
     * @return the difference
     */
    public Ciphertext subPlain(Ciphertext ct, Plaintext pt) {
        Ciphertext out = blank(ct);
        subPlain(ct, pt, out);
        return out;
    }

    /**
     * out = ct - pt.
     *
     * @param ct  a ciphertext
     * @param pt  a plaintext at the ciphertext's scale and at least its level
     * @param out the result (modified; may alias ct)
     */
    public void subPlain(Ciphertext ct, Plaintext pt, Ciphertext out) {
        addSubPlain(ct, pt, out, true, "subPlain");
    }

    private void addSubPlain(Ciphertext ct, Plaintext pt, Ciphertext out, boolean subtract, String op) {
        RnsPoly p = plainAtLevel(pt, ct.level(), op);
        checkSameScale(ct.scale(), pt.scale(), op, "ciphertext", "plaintext");
        RnsPoly[] r = target(out, ct.degree() + 1, ct.level());
        if (subtract) {
            ct.poly(0).sub(p, r[0]);
        } else {
            ct.poly(0).add(p, r[0]);
        }
        for (int i = 1; i <= ct.degree(); i++) {
            if (ct.poly(i) != r[i]) {
                r[i].copyFrom(ct.poly(i));
            }
        }
        out.set(r, ct.scale());
    }

    /**
     * ct + c in every slot.
     *
     * @param ct a ciphertext
     * @param c  a finite real constant
     * @return the sum
     */
    public Ciphertext addConst(Ciphertext ct, double c) {
        Ciphertext out = blank(ct);
        addConst(ct, c, out);
        return out;
    }

    /**
     * out = ct + c in every slot (c is encoded at the ciphertext's exact scale: no level is used).
     *
     * @param ct  a ciphertext
     * @param c   a finite real constant
     * @param out the result (modified; may alias ct)
     */
    public void addConst(Ciphertext ct, double c, Ciphertext out) {
        addSubPlain(ct, encoder.encodeConstant(c, ct.level(), ct.scale()), out, false, "addConst");
    }

    /**
     * ct - c in every slot.
     *
     * @param ct a ciphertext
     * @param c  a finite real constant
     * @return the difference
     */
    public Ciphertext subConst(Ciphertext ct, double c) {
        Ciphertext out = blank(ct);
        subConst(ct, c, out);
        return out;
    }

    /**
     * out = ct - c in every slot (no level is used).
     *
     * @param ct  a ciphertext
     * @param c   a finite real constant
     * @param out the result (modified; may alias ct)
     */
    public void subConst(Ciphertext ct, double c, Ciphertext out) {
        addSubPlain(ct, encoder.encodeConstant(c, ct.level(), ct.scale()), out, true, "subConst");
    }

    // ---------------------------------------------------------------- multiplications

    /**
     * ct * pt, without rescaling.
     *
     * @param ct a ciphertext
     * @param pt a plaintext at least at the ciphertext's level
     * @return the product, at scale ct.scale * pt.scale
     */
    public Ciphertext multiplyPlain(Ciphertext ct, Plaintext pt) {
        Ciphertext out = blank(ct);
        multiplyPlain(ct, pt, out);
        return out;
    }

    /**
     * out = ct * pt, without rescaling.
     *
     * @param ct  a ciphertext
     * @param pt  a plaintext at least at the ciphertext's level
     * @param out the result (modified; may alias ct)
     */
    public void multiplyPlain(Ciphertext ct, Plaintext pt, Ciphertext out) {
        RnsPoly p = plainAtLevel(pt, ct.level(), "multiplyPlain");
        double scale = ct.scale() * pt.scale();
        checkScaleFits(scale, ct.level(), "multiplyPlain");
        RnsPoly[] r = target(out, ct.degree() + 1, ct.level());
        for (int i = 0; i <= ct.degree(); i++) {
            RnsPoly x = ct.poly(i);
            RnsPoly z = r[i];
            par.forSize((long) x.limbs() * x.ringDegree()).forEach(x.limbs(),
                    l -> x.ring().modulus(l).mul(x.limb(l), p.limb(l), z.limb(l)));
            z.setNtt(true);
        }
        out.set(r, scale);
    }


    /**
     * ct * c for a real constant, without rescaling: c is rounded at the scale of the ciphertext's
     * last prime q_level, so that {@link #rescale} brings the scale back to exactly ct.scale.
     *
     * @param ct a ciphertext at level &ge; 1
     * @param c  a finite constant
     * @return the product, at scale ct.scale * q_level
     */
    public Ciphertext multiplyConst(Ciphertext ct, double c) {
        Ciphertext out = blank(ct);
        multiplyConst(ct, c, out);
        return out;
    }

    /**
     * out = ct * c, without rescaling (see {@link #multiplyConst(Ciphertext, double)}).
     *
     * @param ct  a ciphertext
     * @param c   a finite constant
     * @param out the result (modified; may alias ct)
     */
    public void multiplyConst(Ciphertext ct, double c, Ciphertext out) {
        multiplyConst(ct, c, params.prime(ct.level()), out);
    }

    /**
     * out = ct * round(c * constScale), at scale ct.scale * constScale, without rescaling.
     *
     * @param ct         a ciphertext
     * @param c          a finite constant
     * @param constScale the scale the constant is rounded at, positive
     * @param out        the result (modified; may alias ct)
     */
    public void multiplyConst(Ciphertext ct, double c, double constScale, Ciphertext out) {
        if (!Double.isFinite(c) || !(constScale > 0) || Double.isInfinite(constScale)) {
            throw new IllegalArgumentException("multiplyConst: constant " + c + " and scale " + constScale + " must be finite");
        }
        double v = Math.rint(c * constScale);
        if (Math.abs(v) >= 0x1p62) {
            throw new IllegalArgumentException("multiplyConst: constant " + c + " at scale " + constScale
                    + " exceeds 2^62; use a smaller scale");
        }
        double scale = ct.scale() * constScale;
        checkScaleFits(scale, ct.level(), "multiplyConst");
        multiplyIntegerInto(ct, (long) v, scale, out);
    }

    /**
     * ct * k for an integer: the scale and level do not change.
     *
     * @param ct a ciphertext
     * @param k  any integer
     * @return the product
     */
    public Ciphertext multiplyInteger(Ciphertext ct, long k) {
        Ciphertext out = blank(ct);
        multiplyInteger(ct, k, out);
        return out;
    }

    /**
     * out = ct * k for an integer (scale and level unchanged).
     *
     * @param ct  a ciphertext
     * @param k   any integer
     * @param out the result (modified; may alias ct)
     */
    public void multiplyInteger(Ciphertext ct, long k, Ciphertext out) {
        multiplyIntegerInto(ct, k, ct.scale(), out);
    }

    private void multiplyIntegerInto(Ciphertext ct, long k, double scale, Ciphertext out) {
        RnsPoly[] r = target(out, ct.degree() + 1, ct.level());
        for (int i = 0; i <= ct.degree(); i++) {
            ct.poly(i).mulScalar(k, r[i]);
        }
        out.set(r, scale);
    }

    /**
     * a * b without relinearization (degree 2 for two degree-1 inputs).
     *
     * @param a a ciphertext of degree 1
     * @param b a ciphertext of degree 1 at the same level
     * @return the product at scale a.scale * b.scale
     */
    public Ciphertext multiply(Ciphertext a, Ciphertext b) {
        Ciphertext out = placeholder(a);
        multiply(a, b, out);
        return out;
    }

    /**
     * out = a * b without relinearization.
     *
     * @param a   a ciphertext of degree 1
     * @param b   a ciphertext of degree 1 at the same level
     * @param out the result, degree 2 (modified; may alias a or b)
     */
    public void multiply(Ciphertext a, Ciphertext b, Ciphertext out) {
        checkSameLevel(a, b, "multiply");
        if (a.degree() != 1 || b.degree() != 1) {
            throw new IllegalArgumentException("multiply: operands must have degree 1 (relinearize first), got "
                    + a.degree() + " and " + b.degree());
        }
        double scale = a.scale() * b.scale();
        checkScaleFits(scale, a.level(), "multiply");
        RnsRing ring = a.poly(0).ring();
        RnsPoly d0 = new RnsPoly(ring, true);
        RnsPoly d1 = new RnsPoly(ring, true);
        RnsPoly d2 = new RnsPoly(ring, true);
        RnsPoly a0 = a.poly(0);
        RnsPoly a1 = a.poly(1);
        RnsPoly b0 = b.poly(0);
        RnsPoly b1 = b.poly(1);
        boolean square = a == b;
        par.forSize((long) ring.limbs() * ring.ringDegree()).forEach(ring.limbs(), l -> {
            Modulus m = ring.modulus(l);
            long q = m.value();
            long[] x0 = a0.limb(l);
            long[] x1 = a1.limb(l);
            long[] y0 = b0.limb(l);
            long[] y1 = b1.limb(l);
            long[] z0 = d0.limb(l);
            long[] z1 = d1.limb(l);
            long[] z2 = d2.limb(l);
            // Three products and one product-and-add in separate passes, each on the vector
            // kernels when they are ready; the residues are canonical, so the result is the
            // same as one fused scalar pass.
            m.mul(x0, y0, z0);
            m.mul(x0, y1, z1);
            if (square) {
                for (int c = 0; c < z1.length; c++) {
                    long cross = 2 * z1[c] - q;
                    z1[c] = cross + ((cross >> 63) & q);
                }
            } else {
                m.mulAdd(x1, y0, z1);
            }
            m.mul(x1, y1, z2);
        });
        out.set(new RnsPoly[] {d0, d1, d2}, scale);
    }

    /**
     * a * b followed by relinearization.
     *
     * @param a a ciphertext of degree 1
     * @param b a ciphertext of degree 1 at the same level
     * @return the product, degree 1, at scale a.scale * b.scale (not rescaled)
     */
    public Ciphertext multiplyRelin(Ciphertext a, Ciphertext b) {
        Ciphertext out = placeholder(a);
        multiplyRelin(a, b, out);
        return out;
    }

    /**
     * out = relinearize(a * b).
     *
     * @param a   a ciphertext of degree 1
     * @param b   a ciphertext of degree 1 at the same level
     * @param out the result (modified; may alias a or b)
     */
    public void multiplyRelin(Ciphertext a, Ciphertext b, Ciphertext out) {
        multiply(a, b, out);
        relinearize(out, out);
    }

    /**
     * a^2 followed by relinearization.
     *
     * @param a a ciphertext of degree 1
     * @return a^2, degree 1, at scale a.scale^2 (not rescaled)
     */
    public Ciphertext squareRelin(Ciphertext a) {
        return multiplyRelin(a, a);
    }

    /**
     * a^2 without relinearization.
     *
     * @param a a ciphertext of degree 1
     * @return a^2, degree 2, at scale a.scale^2
     */
    public Ciphertext square(Ciphertext a) {
        return multiply(a, a);
    }

    /**
     * Relinearizes a degree-2 ciphertext to degree 1 (a copy of a degree-1 one).
     *
     * @param ct a ciphertext
     * @return the relinearized ciphertext
     */
    public Ciphertext relinearize(Ciphertext ct) {
        Ciphertext out = placeholder(ct);
        relinearize(ct, out);
        return out;
    }

    /**
     * out = relinearize(ct), with the relinearization key.
     *
     * @param ct  a ciphertext of degree 1 or 2
     * @param out the result (modified; may alias ct)
     * @throws IllegalStateException if the relinearization key is absent
     */
    public void relinearize(Ciphertext ct, Ciphertext out) {
        if (ct.degree() == 1) {
            if (out != ct) {
                out.set(new RnsPoly[] {ct.poly(0).copy(), ct.poly(1).copy()}, ct.scale());
            }
            return;
        }
        RelinearizationKey rlk = keys.relinearizationKey();
        RnsPoly[] s = ks.switchKey(ct.poly(2), rlk, par.forSize((long) ct.poly(2).limbs() * ct.poly(2).ringDegree()));
        ct.poly(0).add(s[0], s[0]);
        ct.poly(1).add(s[1], s[1]);
        out.set(s, ct.scale());
    }

    /**
     * The sum of products cts[0] * pts[0] + ... + cts[k-1] * pts[k-1], without rescaling, with lazy
     * reduction: the products of each coefficient are summed and reduced once (in 64 bits for primes
     * below 2^31, else as full 128-bit products of Montgomery-form plaintext residues, computed on
     * first use and cached), a fraction of the cost of k separate {@link #multiplyPlain} and
     * {@link #add} calls.
     *
     * @param cts the ciphertexts, at least one, all of the same degree, level and scale (not modified)
     * @param pts as many plaintexts, at least at that level and all of one scale (not modified)
     * @return the sum, at scale ct.scale * pt.scale and the ciphertexts' level
     * @throws IllegalArgumentException on empty or unequal arrays, operands of different degrees,
     *                                  levels or scales, or plaintexts of another parameter set
     */
    public Ciphertext multiplyPlainAndSum(Ciphertext[] cts, Plaintext[] pts) {
        String op = "multiplyPlainAndSum";
        checkTerms(cts, pts.length, op);
        int level = cts[0].level();
        for (int t = 0; t < pts.length; t++) {
            checkPlain(pts[t], level, op);
            checkSameScale(pts[0].scale(), pts[t].scale(), op, "plaintext 0", "plaintext " + t);
        }
        double scale = cts[0].scale() * pts[0].scale();
        checkScaleFits(scale, level, op);
        return ProductSums.sum(par, cts, pts, null, scale);
    }

    /**
     * The sum of constant products cts[0] * c[0] + ... + cts[k-1] * c[k-1], without rescaling: each
     * constant is rounded at the scale of the ciphertexts' last prime q_level (as
     * {@link #multiplyConst(Ciphertext, double)}), so that {@link #rescale} brings the scale back to
     * ct.scale; the products are summed with one reduction per coefficient.
     *
     * @param cts       the ciphertexts, at least one, of one degree, level and scale (not modified)
     * @param constants as many finite constants
     * @return the sum, at scale ct.scale * q_level
     * @throws IllegalArgumentException on empty or unequal arrays, mismatched operands or a
     *                                  constant too large for 2^62 at that scale
     */
    public Ciphertext multiplyConstAndSum(Ciphertext[] cts, double[] constants) {
        return multiplyConstAndSum(cts, constants, params.prime(cts.length == 0 ? 0 : cts[0].level()));
    }

    /**
     * The sum of constant products with the constants rounded at a given scale: sum_t cts[t] *
     * round(c[t] * constScale), at scale ct.scale * constScale, without rescaling. With
     * {@code constScale} = q_(level-1), a degree-2 product rescaled twice after its sum returns to the
     * scale one rescale of each factor would have given.
     *
     * @param cts        the ciphertexts, at least one, of one degree, level and scale (not modified)
     * @param constants  as many finite constants
     * @param constScale the scale the constants are rounded at, positive and finite
     * @return the sum, at scale ct.scale * constScale
     * @throws IllegalArgumentException on empty or unequal arrays, mismatched operands, a bad scale
     *                                  or a constant too large for 2^62 at that scale
     */
    public Ciphertext multiplyConstAndSum(Ciphertext[] cts, double[] constants, double constScale) {
        String op = "multiplyConstAndSum";
        checkTerms(cts, constants.length, op);
        checkConstScale(constScale, op);
        int level = cts[0].level();
        RnsRing ring = cts[0].poly(0).ring();
        long[][] residues = new long[constants.length][];
        for (int t = 0; t < constants.length; t++) {
            residues[t] = constantResidues(constants[t], constScale, ring, op + ": constant " + t);
        }
        double scale = cts[0].scale() * constScale;
        checkScaleFits(scale, level, op);
        return ProductSums.sum(par, cts, null, residues, scale);
    }

    /**
     * Many sums of constant products over one set of ciphertexts at once: output o is
     * sum_j weights[o][j] * xs[columns[o][j]], as {@link #multiplyConstAndSum} would compute it
     * (constants rounded at scale q_level, not rescaled), bit for bit.
     *
     * <p>Why a method of its own: a linear layer in the SIMD batch representation reads every input
     * ciphertext once per output that uses it. Done output by output, the inputs stream from memory
     * that many times (845 inputs of 0.5 MiB, 100 outputs: 43 GB). Here, for primes below 2^41,
     * each input is read once per tile of coefficients and added into every output's accumulator
     * of that tile, which stays in the L2 cache.
     *
     * @param xs      the ciphertexts, all at one level, degree and scale
     * @param columns for each output, the indices into xs of its terms (may be empty: a zero output)
     * @param weights for each output, the constants of its terms (same lengths as columns)
     * @return one ciphertext per output, at scale xs' scale x q_level
     * @throws IllegalArgumentException on mismatched lengths, an index out of range, a non-finite
     *         or oversized constant, or ciphertexts of different level, degree or scale
     */
    public Ciphertext[] linearCombinations(Ciphertext[] xs, int[][] columns, double[][] weights) {
        return linearCombinations(xs, columns, weights, params.prime(xs.length == 0 ? 0 : xs[0].level()));
    }

    /**
     * {@link #linearCombinations(Ciphertext[], int[][], double[][])} with the constants rounded at
     * a given scale, as {@link #multiplyConstAndSum(Ciphertext[], double[], double)} does.
     *
     * @param xs         the ciphertexts, all at one level, degree and scale
     * @param columns    for each output, the indices into xs of its terms (may be empty)
     * @param weights    for each output, the constants of its terms
     * @param constScale the scale the constants are rounded at, positive and finite
     * @return one ciphertext per output, at scale xs' scale x constScale
     * @throws IllegalArgumentException as the three-argument form, or for a bad scale
     */
    public Ciphertext[] linearCombinations(Ciphertext[] xs, int[][] columns, double[][] weights, double constScale) {
        String op = "linearCombinations";
        checkTerms(xs, xs.length, op);
        checkConstScale(constScale, op);
        if (columns.length != weights.length) {
            throw new IllegalArgumentException(op + ": " + columns.length + " column lists but " + weights.length + " weight lists");
        }
        int outputs = columns.length;
        int level = xs[0].level();
        RnsRing ring = xs[0].poly(0).ring();
        double scale = xs[0].scale() * constScale;
        checkScaleFits(scale, level, op);
        long[][][] residues = new long[outputs][][];
        for (int o = 0; o < outputs; o++) {
            if (columns[o].length != weights[o].length) {
                throw new IllegalArgumentException(op + ": output " + o + " has " + columns[o].length + " columns but "
                        + weights[o].length + " weights");
            }
            residues[o] = new long[columns[o].length][];
            for (int j = 0; j < columns[o].length; j++) {
                int c = columns[o][j];
                if (c < 0 || c >= xs.length) {
                    throw new IllegalArgumentException(op + ": output " + o + " term " + j + " reads ciphertext " + c
                            + ", expected 0 to " + (xs.length - 1));
                }
                residues[o][j] = constantResidues(weights[o][j], constScale, ring, op + ": output " + o + " constant " + j);
            }
        }
        return ProductSums.constantCombinations(par, xs, columns, residues, scale);
    }

    private static void checkConstScale(double constScale, String op) {
        if (!(constScale >= 1) || Double.isInfinite(constScale)) {
            throw new IllegalArgumentException(op + ": the constants' scale must be finite and at least 1, got " + constScale);
        }
    }

    /** round(c * constScale) mod each prime of the ring; what names the constant in the exception. */
    private static long[] constantResidues(double c, double constScale, RnsRing ring, String what) {
        double v = Math.rint(c * constScale);
        if (!Double.isFinite(c) || Math.abs(v) >= 0x1p62) {
            throw new IllegalArgumentException(what + " = " + c + " is not finite or exceeds 2^62 at scale 2^"
                    + Math.round(Math.log(constScale) / Math.log(2)));
        }
        long[] r = new long[ring.limbs()];
        for (int l = 0; l < r.length; l++) {
            r[l] = ring.modulus(l).reduceSigned((long) v);
        }
        return r;
    }

    private static void checkTerms(Ciphertext[] cts, int others, String op) {
        if (cts.length == 0 || cts.length != others) {
            throw new IllegalArgumentException(op + ": needs as many ciphertexts as factors, at least one; got " + cts.length
                    + " and " + others);
        }
        for (int t = 1; t < cts.length; t++) {
            if (cts[t].level() != cts[0].level() || cts[t].degree() != cts[0].degree()) {
                throw new IllegalArgumentException(op + ": ciphertext " + t + " has level " + cts[t].level() + " and degree "
                        + cts[t].degree() + ", ciphertext 0 level " + cts[0].level() + " and degree " + cts[0].degree());
            }
            checkSameScale(cts[0].scale(), cts[t].scale(), op, "ciphertext 0", "ciphertext " + t);
        }
    }


    // ---------------------------------------------------------------- levels

    /**
     * Rescales: divides by the last prime q_level with rounding, dropping one level.
     *
     * @param ct a ciphertext at level &ge; 1
     * @return the rescaled ciphertext, at scale ct.scale / q_level
     */
    public Ciphertext rescale(Ciphertext ct) {
        Ciphertext out = placeholder(ct);
        rescale(ct, out);
        return out;
    }

    /**
     * out = rescale(ct).
     *
     * @param ct  a ciphertext at level &ge; 1
     * @param out the result (modified; may alias ct)
     * @throws IllegalArgumentException at level 0
     */
    public void rescale(Ciphertext ct, Ciphertext out) {
        int level = ct.level();
        if (level == 0) {
            throw new IllegalArgumentException("rescale: the ciphertext is at level 0, no prime left to divide by");
        }
        RnsRing lower = params.ringQ().atLevel(level - 1);
        RnsPoly[] r = new RnsPoly[ct.degree() + 1];
        for (int k = 0; k <= ct.degree(); k++) {
            r[k] = new RnsPoly(lower, true);
            rescaler.rescale(ct.poly(k), r[k], par.forSize((long) ct.poly(k).limbs() * ct.poly(k).ringDegree()));
        }
        out.set(r, ct.scale() / params.prime(level));
    }

    /**
     * Drops primes without dividing: the value and scale stay, the level falls.
     *
     * @param ct    a ciphertext
     * @param level the target level, in [0, ct.level()]
     * @return the ciphertext at the lower level
     */
    public Ciphertext dropToLevel(Ciphertext ct, int level) {
        Ciphertext out = placeholder(ct);
        dropToLevel(ct, level, out);
        return out;
    }

    /**
     * out = ct at a lower level.
     *
     * @param ct    a ciphertext
     * @param level the target level, in [0, ct.level()]
     * @param out   the result (modified; may alias ct)
     */
    public void dropToLevel(Ciphertext ct, int level, Ciphertext out) {
        if (level < 0 || level > ct.level()) {
            throw new IllegalArgumentException("dropToLevel: target level " + level + " is outside [0, " + ct.level() + "]");
        }
        RnsPoly[] r = new RnsPoly[ct.degree() + 1];
        for (int k = 0; k <= ct.degree(); k++) {
            r[k] = ct.poly(k).dropToLimbs(level + 1);
        }
        out.set(r, ct.scale());
    }

    // ---------------------------------------------------------------- rotations

    /**
     * Rotates the slots left by {@code steps}: slot i receives slot (i + steps) mod N/2.
     *
     * @param ct    a ciphertext of degree 1
     * @param steps any integer (negative rotates right)
     * @return the rotated ciphertext
     */
    public Ciphertext rotate(Ciphertext ct, int steps) {
        Ciphertext out = placeholder(ct);
        rotate(ct, steps, out);
        return out;
    }

    /**
     * out = rotate(ct, steps), with the exact key when present, else composed from available
     * rotation keys (one key switch per component; {@link #rotationCost(int)} tells how many).
     *
     * @param ct    a ciphertext of degree 1
     * @param steps any integer
     * @param out   the result (modified; may alias ct)
     * @throws IllegalStateException if no combination of the available keys gives this rotation
     */
    public void rotate(Ciphertext ct, int steps, Ciphertext out) {
        Ciphertext r = rotations.rotate(ct, steps);
        out.set(new RnsPoly[] {r.poly(0), r.poly(1)}, r.scale());
    }

    /**
     * The number of key switches {@link #rotate} spends on a step with the available keys.
     *
     * @param steps any integer
     * @return 0 for a multiple of N/2, 1 with an exact key, more when composed
     * @throws IllegalStateException if the rotation cannot be composed
     */
    public int rotationCost(int steps) {
        return rotations.cost(steps);
    }

    /**
     * Conjugates every slot.
     *
     * @param ct a ciphertext of degree 1
     * @return the conjugated ciphertext
     * @throws IllegalStateException if the conjugation key is absent
     */
    public Ciphertext conjugate(Ciphertext ct) {
        return rotations.conjugate(ct);
    }

    /**
     * out = conjugate(ct).
     *
     * @param ct  a ciphertext of degree 1
     * @param out the result (modified; may alias ct)
     */
    public void conjugate(Ciphertext ct, Ciphertext out) {
        Ciphertext r = conjugate(ct);
        out.set(new RnsPoly[] {r.poly(0), r.poly(1)}, r.scale());
    }

    /**
     * Rotations of one ciphertext by many steps sharing one decomposition of c_1 (hoisting): the
     * ModUp is paid once, each step then costs an inner product and a ModDown. Steps without an
     * exact key fall back to {@link #rotate}.
     *
     * @param ct    a ciphertext of degree 1
     * @param steps the steps
     * @return one ciphertext per step, in order
     */
    public Ciphertext[] rotateHoisted(Ciphertext ct, int... steps) {
        return rotations.rotateHoisted(ct, steps);
    }

    /**
     * Rotate-and-sum: slot i of the result holds sum_{u &lt; n} ct[i + u] (indices mod N/2), by
     * log2(n) rotations by 1, 2, 4, .., n/2 and additions.
     *
     * @param ct a ciphertext of degree 1
     * @param n  a power of two in [1, N/2]
     * @return the window sums
     */
    public Ciphertext rotateAndSum(Ciphertext ct, int n) {
        Ciphertext out = placeholder(ct);
        rotateAndSum(ct, n, out);
        return out;
    }

    /**
     * out = rotateAndSum(ct, n).
     *
     * @param ct  a ciphertext of degree 1
     * @param n   a power of two in [1, N/2]
     * @param out the result (modified; may alias ct)
     */
    public void rotateAndSum(Ciphertext ct, int n, Ciphertext out) {
        if (n < 1 || n > params.slots() || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("rotateAndSum: n must be a power of two in [1, " + params.slots() + "], got " + n);
        }
        Ciphertext acc = ct;
        for (int s = 1; s < n; s <<= 1) {
            acc = add(acc, rotations.rotate(acc, s));
        }
        out.set(new RnsPoly[] {acc.poly(0) == ct.poly(0) ? ct.poly(0).copy() : acc.poly(0),
            acc.poly(1) == ct.poly(1) ? ct.poly(1).copy() : acc.poly(1)}, acc.scale());
    }

    // ---------------------------------------------------------------- helpers

    private static void checkSameLevel(Ciphertext a, Ciphertext b, String op) {
        if (a.level() != b.level()) {
            throw new IllegalArgumentException(op + ": a is at level " + a.level() + ", b at level " + b.level()
                    + " (use dropToLevel or rescale to align them)");
        }
    }

    private static void checkSameScale(double sa, double sb, String op, String nameA, String nameB) {
        if (Math.abs(sa - sb) > Math.max(sa, sb) * SCALE_TOLERANCE) {
            throw new IllegalArgumentException(String.format("%s: %s has scale 2^%.6f, %s has scale 2^%.6f"
                    + " (encode plaintexts at the ciphertext's scale, or rescale)", op, nameA, Math.log(sa) / Math.log(2), nameB,
                    Math.log(sb) / Math.log(2)));
        }
    }

    private void checkScaleFits(double scale, int level, String op) {
        double log2 = Math.log(scale) / Math.log(2);
        double cap = params.ringQ().atLevel(level).basis().log2Product();
        if (log2 >= cap - 1) {
            throw new IllegalArgumentException(String.format("%s: the result's scale 2^%.1f would not fit level %d (2^%.1f);"
                    + " rescale the operands first", op, log2, level, cap));
        }
    }

    private RnsPoly plainAtLevel(Plaintext pt, int level, String op) {
        checkPlain(pt, level, op);
        return pt.level() == level ? pt.poly() : pt.poly().prefixView(level + 1);
    }

    /** Refuses a plaintext below the level or of another parameter set (without touching its rows). */
    private void checkPlain(Plaintext pt, int level, String op) {
        if (pt.level() < level) {
            throw new IllegalArgumentException(op + ": the plaintext is at level " + pt.level() + ", below the ciphertext's level "
                    + level + " (encode it at level " + level + ")");
        }
        if (pt.ring().ringDegree() != params.ringDegree() || pt.ring().modulus(0).value() != params.prime(0)) {
            throw new IllegalArgumentException(op + ": the plaintext belongs to another parameter set");
        }
    }

    /**
     * A ciphertext of the same level and degree with fresh zero polynomials: the output of an
     * allocating elementwise operation (cheaper than copying the input only to overwrite it).
     */
    private static Ciphertext blank(Ciphertext like) {
        RnsPoly[] p = new RnsPoly[like.degree() + 1];
        for (int i = 0; i < p.length; i++) {
            p[i] = new RnsPoly(like.poly(i).ring(), true);
        }
        return new Ciphertext(p, like.scale());
    }

    /**
     * An output holder for operations whose into-form always installs new polynomials (multiply,
     * relinearize, rescale, dropToLevel, rotations): it shares the input's polynomials, which those
     * operations replace without writing to them.
     */
    private static Ciphertext placeholder(Ciphertext like) {
        RnsPoly[] p = new RnsPoly[like.degree() + 1];
        for (int i = 0; i < p.length; i++) {
            p[i] = like.poly(i);
        }
        return new Ciphertext(p, like.scale());
    }

    /**
     * The polynomials to write an elementwise result into: out's own when its level matches and it
     * has enough of them (elementwise operations are alias-safe), fresh ones otherwise.
     */
    private RnsPoly[] target(Ciphertext out, int count, int level) {
        boolean reuse = out.degree() + 1 >= count && out.level() == level;
        RnsRing ring = params.ringQ().atLevel(level);
        RnsPoly[] r = new RnsPoly[count];
        for (int i = 0; i < count; i++) {
            r[i] = reuse ? out.poly(i) : new RnsPoly(ring, true);
        }
        return r;
    }
}
