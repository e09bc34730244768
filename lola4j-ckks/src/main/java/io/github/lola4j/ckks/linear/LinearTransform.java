package io.github.lola4j.ckks.linear;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.Plaintext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A plaintext matrix times an encrypted vector, y = M x over the S = N/2 slots, by the
 * baby-step giant-step diagonal method (Halevi and Shoup 2014, 2018).
 *
 * <p>With the generalized diagonals d_k[i] = M[i][(i + k) mod S], y = sum_k d_k o rot(x, k).
 * Writing k = g n1 + b, y = sum_g rot(sum_b rot(d_k, -g n1) o rot(x, b), g n1): the baby-step
 * rotations rot(x, b) are hoisted (one decomposition of x), and only one rotation per giant step
 * follows. Cost: (babies - 1) hoisted rotations + (giants - 1) rotations + one plaintext
 * multiplication per non-zero diagonal, and one level (a single rescale at the end: the diagonals
 * are encoded at the scale of the ciphertext's last prime, so the output keeps the input's scale).
 *
 * <p>A d x d matrix with d dividing S ({@link #fromMatrix}) acts on vectors replicated with period
 * d (x_i = x_{i mod d}, see {@link #replicate}); its output is replicated likewise. The same
 * algorithm runs on plain vectors ({@link #evaluatePlain}), the cleartext twin used by tests and
 * by the LoLa compiler. Immutable and thread-safe (encoded diagonals are cached per level).
 */
public final class LinearTransform {

    private final int slots;
    private final TreeMap<Integer, double[]> diagonals;
    private final int n1;
    private final Map<Integer, Map<Integer, double[]>> grouped; // g -> (b -> rot(d_k, -g n1))
    /** Encoded diagonals, by parameter-set fingerprint and level. */
    private final Map<Long, Map<Integer, Plaintext[][]>> encoded = new ConcurrentHashMap<>();

    private LinearTransform(int slots, TreeMap<Integer, double[]> diagonals, int babySteps) {
        this.slots = slots;
        this.diagonals = diagonals;
        this.n1 = babySteps;
        this.grouped = new TreeMap<>();
        for (Map.Entry<Integer, double[]> e : diagonals.entrySet()) {
            int k = e.getKey();
            int g = k / n1;
            int b = k % n1;
            grouped.computeIfAbsent(g, x -> new TreeMap<>()).put(b, rotate(e.getValue(), -g * n1));
        }
    }

    /**
     * A transform from its non-zero generalized diagonals.
     *
     * @param diagonals map from k in [0, S) to d_k (S values each; copied)
     * @param slots     S, the number of slots (a power of two)
     * @return the transform, with the baby-step count chosen to minimize rotations
     * @throws IllegalArgumentException on an index outside [0, S), a wrong length or a non-finite value
     */
    public static LinearTransform fromDiagonals(Map<Integer, double[]> diagonals, int slots) {
        if (slots < 1 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
        if (diagonals.isEmpty()) {
            throw new IllegalArgumentException("a linear transform needs at least one diagonal");
        }
        TreeMap<Integer, double[]> d = new TreeMap<>();
        for (Map.Entry<Integer, double[]> e : diagonals.entrySet()) {
            int k = e.getKey();
            double[] v = e.getValue();
            if (k < 0 || k >= slots) {
                throw new IllegalArgumentException("diagonal index " + k + " is outside [0, " + slots + ")");
            }
            if (v.length != slots) {
                throw new IllegalArgumentException("diagonal " + k + " has " + v.length + " values, expected " + slots);
            }
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    throw new IllegalArgumentException("diagonal " + k + " value " + i + " is not finite: " + v[i]);
                }
            }
            d.put(k, v.clone());
        }
        return new LinearTransform(slots, d, bestBabySteps(d.keySet(), slots));
    }

    /**
     * A transform from a rows x cols matrix, padded to the smallest power-of-two square d &ge;
     * max(rows, cols), d &le; S. Inputs must be replicated with period d ({@link #replicate}); row i
     * of the result is then in every slot i + j d.
     *
     * @param matrix the matrix, rectangular (rows of equal length), finite
     * @param slots  S, the number of slots
     * @return the transform
     */
    public static LinearTransform fromMatrix(double[][] matrix, int slots) {
        int rows = matrix.length;
        if (rows == 0 || matrix[0].length == 0) {
            throw new IllegalArgumentException("the matrix is empty");
        }
        int cols = matrix[0].length;
        for (int i = 0; i < rows; i++) {
            if (matrix[i].length != cols) {
                throw new IllegalArgumentException("matrix row " + i + " has " + matrix[i].length + " columns, row 0 has " + cols);
            }
        }
        int d = periodFor(Math.max(rows, cols));
        if (d > slots) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix needs " + d + " slots, only " + slots + " exist");
        }
        TreeMap<Integer, double[]> diags = new TreeMap<>();
        for (int k = 0; k < d; k++) {
            double[] diag = new double[slots];
            boolean nonZero = false;
            for (int i = 0; i < slots; i++) {
                int r = i % d;
                int c = (i + k) % d;
                double v = r < rows && c < cols ? matrix[r][c] : 0;
                diag[i] = v;
                nonZero |= v != 0;
            }
            if (nonZero) {
                diags.put(k, diag);
            }
        }
        if (diags.isEmpty()) {
            diags.put(0, new double[slots]);
        }
        return fromDiagonals(diags, slots);
    }

    /**
     * The period d a vector of length n is replicated with for {@link #fromMatrix}: the smallest
     * power of two &ge; n.
     *
     * @param n a length, positive
     * @return d
     */
    public static int periodFor(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("length must be positive, got " + n);
        }
        return n == 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /**
     * x zero-padded to the period d = {@link #periodFor}(x.length) and tiled over S slots.
     *
     * @param x     the vector
     * @param slots S
     * @return S values with v[i] = x[i mod d] (0 past x's length)
     */
    public static double[] replicate(double[] x, int slots) {
        int d = periodFor(x.length);
        if (d > slots) {
            throw new IllegalArgumentException("a vector of " + x.length + " values does not fit " + slots + " slots");
        }
        double[] v = new double[slots];
        for (int i = 0; i < slots; i++) {
            int j = i % d;
            v[i] = j < x.length ? x[j] : 0;
        }
        return v;
    }

    private static int bestBabySteps(Iterable<Integer> ks, int slots) {
        int best = 1;
        int bestCost = Integer.MAX_VALUE;
        for (int n1 = 1; n1 <= slots; n1 <<= 1) {
            TreeSet<Integer> babies = new TreeSet<>();
            TreeSet<Integer> giants = new TreeSet<>();
            for (int k : ks) {
                babies.add(k % n1);
                giants.add(k / n1);
            }
            int cost = (babies.size() - (babies.contains(0) ? 1 : 0)) + (giants.size() - (giants.contains(0) ? 1 : 0));
            if (cost < bestCost) {
                bestCost = cost;
                best = n1;
            }
        }
        return best;
    }

    /** The number of slots S. */
    public int slots() {
        return slots;
    }

    /** The number of non-zero diagonals (plaintext multiplications). */
    public int diagonalCount() {
        return diagonals.size();
    }

    /** The baby-step size n1. */
    public int babySteps() {
        return n1;
    }

    /** The number of key switches one evaluation costs (baby plus giant rotations). */
    public int rotationCount() {
        return babyStepSet().size() + giantStepSet().size();
    }

    private TreeSet<Integer> babyStepSet() {
        TreeSet<Integer> b = new TreeSet<>();
        for (Map<Integer, double[]> m : grouped.values()) {
            for (int x : m.keySet()) {
                if (x != 0) {
                    b.add(x);
                }
            }
        }
        return b;
    }

    private TreeSet<Integer> giantStepSet() {
        TreeSet<Integer> g = new TreeSet<>();
        for (int x : grouped.keySet()) {
            if (x != 0) {
                g.add(x * n1);
            }
        }
        return g;
    }

    /** Exactly the rotation keys an evaluation uses. */
    public KeyRequirements keyRequirements() {
        List<Integer> steps = new ArrayList<>(babyStepSet());
        steps.addAll(giantStepSet());
        return KeyRequirements.none().withRotations(steps);
    }

    /**
     * The cleartext twin: the same baby-step giant-step algorithm on a plain vector.
     *
     * @param x S values (not modified)
     * @return y = M x
     */
    public double[] evaluatePlain(double[] x) {
        if (x.length != slots) {
            throw new IllegalArgumentException("expected " + slots + " values, got " + x.length);
        }
        double[] y = new double[slots];
        for (Map.Entry<Integer, Map<Integer, double[]>> ge : grouped.entrySet()) {
            double[] inner = new double[slots];
            for (Map.Entry<Integer, double[]> be : ge.getValue().entrySet()) {
                double[] rx = rotate(x, be.getKey());
                double[] w = be.getValue();
                for (int i = 0; i < slots; i++) {
                    inner[i] += w[i] * rx[i];
                }
            }
            double[] r = rotate(inner, ge.getKey() * n1);
            for (int i = 0; i < slots; i++) {
                y[i] += r[i];
            }
        }
        return y;
    }

    /**
     * Evaluates on a ciphertext: one level is consumed, the scale is kept.
     *
     * @param evaluator an evaluator holding (at least) {@link #keyRequirements()}'s keys
     * @param encoder   an encoder of the same parameter set
     * @param x         a ciphertext at level &ge; 1 (not modified)
     * @return M x, at level x.level - 1 and scale x.scale
     */
    public Ciphertext evaluate(Evaluator evaluator, Encoder encoder, Ciphertext x) {
        Objects.requireNonNull(evaluator, "evaluator");
        CkksParameters params = evaluator.parameters();
        if (params.slots() != slots) {
            throw new IllegalArgumentException("the transform has " + slots + " slots, the parameters " + params.slots());
        }
        int level = x.level();
        if (level < 1) {
            throw new IllegalArgumentException("LinearTransform.evaluate: the ciphertext is at level 0, one level is needed");
        }
        if (!encoder.parameters().equals(params)) {
            throw new IllegalArgumentException("LinearTransform.evaluate: the encoder and the evaluator belong to different parameter sets");
        }
        Plaintext[][] pts = encoded.computeIfAbsent(params.fingerprint(), f -> new ConcurrentHashMap<>())
                .computeIfAbsent(level, l -> encode(encoder, l, params.prime(l)));
        TreeSet<Integer> babySet = babyStepSet();
        int[] babies = new int[babySet.size()];
        int bIdx = 0;
        for (int b : babySet) {
            babies[bIdx++] = b;
        }
        Ciphertext[] rotated = evaluator.rotateHoisted(x, babies);
        Map<Integer, Ciphertext> byStep = new TreeMap<>();
        byStep.put(0, x);
        for (int i = 0; i < babies.length; i++) {
            byStep.put(babies[i], rotated[i]);
        }
        Ciphertext result = null;
        int gi = 0;
        for (Map.Entry<Integer, Map<Integer, double[]>> ge : grouped.entrySet()) {
            Ciphertext inner = null;
            int bi = 0;
            for (int b : ge.getValue().keySet()) {
                Ciphertext term = evaluator.multiplyPlain(byStep.get(b), pts[gi][bi++]);
                if (inner == null) {
                    inner = term;
                } else {
                    evaluator.add(inner, term, inner);
                }
            }
            int step = ge.getKey() * n1;
            if (step != 0) {
                evaluator.rotate(inner, step, inner);
            }
            if (result == null) {
                result = inner;
            } else {
                evaluator.add(result, inner, result);
            }
            gi++;
        }
        evaluator.rescale(result, result);
        return result;
    }

    private Plaintext[][] encode(Encoder encoder, int level, double scale) {
        Plaintext[][] out = new Plaintext[grouped.size()][];
        int gi = 0;
        for (Map<Integer, double[]> m : grouped.values()) {
            out[gi] = new Plaintext[m.size()];
            int bi = 0;
            for (double[] w : m.values()) {
                out[gi][bi++] = encoder.encode(w, level, scale);
            }
            gi++;
        }
        return out;
    }

    /** rot(v, k)[i] = v[(i + k) mod S]: the slot rotation of the evaluator, on plain values. */
    static double[] rotate(double[] v, int k) {
        int n = v.length;
        double[] r = new double[n];
        int s = Math.floorMod(k, n);
        for (int i = 0; i < n; i++) {
            int j = i + s;
            r[i] = v[j >= n ? j - n : j];
        }
        return r;
    }
}
