package io.github.lola4j.lola;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A linear layer y = M x + b on any input representation, by the diagonal method with baby-step
 * giant-step rotations (Halevi and Shoup 2014, 2018), generalized to arbitrary slot layouts and to
 * partial sums (the hybrid method for rectangular matrices).
 *
 * <p>For each non-zero weight M[o][j] the kernel picks a copy of x_j (ciphertext ci, slot s) and a
 * partial slot t = slot(o) + stride * l of output o; the rotation r = s - t brings x_j there. Weights
 * sharing (ci, output ciphertext, r) form one diagonal D, and y = sum D o rot(x_ci, r), followed by
 * one rescale, the fold of the partial sums and the bias. Choosing, for every weight, the smallest
 * r its copies and partials allow gives the structured optima: a stacked input with period p and a
 * placement with period h need only h diagonals; a blocked placement, h / blocks. With r = g + b
 * (b &lt; n1), y = sum_g rot(sum_b rot(D, -g) o rot(x_ci, b), g): the baby steps are hoisted per
 * input ciphertext, one rotation per giant step follows; n1 minimizes that cost. Weights reading
 * only element slots means garbage elsewhere in the input never reaches an output.
 *
 * <p>Special cases: a sparse input (LoLa's column-major product: r = 0, no rotation), an identity
 * map with an explicit placement (LoLa's interleave: masks merged into the gather), a diagonal per
 * input ciphertext (mask-and-sum of a sparse vector into a dense one).
 */
final class DiagonalKernel extends Kernel {

    private final Placement out;
    private final int slots;
    private final int n1;
    private final int diagonals;
    private final int[][] babies;            // per input ciphertext: the non-zero baby steps, ascending
    private final List<Group> groups;        // all giant-step groups, ordered by output ciphertext then step
    private final int[] groupStart;          // per output ciphertext: its first group (length outCts + 1)
    private final WeightVector[] bias;       // per output ciphertext, null when zero
    private final String label;
    private final boolean rescaleFirst;      // rescale each giant group before its rotation

    /** One giant step of one output ciphertext: sum over terms of rot(D, -g) o rot(x_ci, b). */
    private record Group(int step, int[] ci, int[] babyIndex, WeightVector[] weights) {
    }

    static final class Diagonal {
        int[] pos = new int[8];
        double[] w = new double[8];
        int n;

        void add(int p, double v) {
            if (n == pos.length) {
                pos = Arrays.copyOf(pos, 2 * n);
                w = Arrays.copyOf(w, 2 * n);
            }
            pos[n] = p;
            w[n++] = v;
        }
    }

    /**
     * A diagonal's weights as a compiled plan keeps them, to rebuild its slot values on demand: the
     * planning form's entries without its spare capacity, slots as chars (S is at most 2^16). For
     * lola-cifar's second convolution (16,384 diagonals, 12 million entries) that is 116 MiB instead
     * of about 220 MiB, beside 512 MiB for the dense values. (Its diagonals' weights are nearly all
     * distinct, so an index into a table of distinct weights would not save more.) The rebuilt values
     * are those of the planning form, to the bit: the same weights, added in the same order.
     */
    static final class SparseDiagonal {
        private final char[] pos;
        private final double[] weights;

        private SparseDiagonal(char[] pos, double[] weights) {
            this.pos = pos;
            this.weights = weights;
        }

        static SparseDiagonal of(Diagonal dg) {
            char[] pos = new char[dg.n];
            for (int p = 0; p < dg.n; p++) {
                pos[p] = (char) dg.pos[p];
            }
            return new SparseDiagonal(pos, Arrays.copyOf(dg.w, dg.n));
        }

        /** The slot values, rotated by -shift (the giant step's pre-rotation): a fresh array. */
        double[] values(int slots, int shift) {
            double[] v = new double[slots];
            for (int p = 0; p < pos.length; p++) {
                v[Math.floorMod(pos[p] + shift, slots)] += weights[p];
            }
            return v;
        }
    }

    /**
     * Plans the kernel.
     *
     * @param label      what the kernel computes, for reports (e.g. the layer)
     * @param map        M and b (in terms of true input values)
     * @param in         the input representation
     * @param alpha      the input's pending factor
     * @param beta       the input's pending offset
     * @param out        where the outputs go
     * @param hoistRatio the cost of a hoisted rotation step relative to a rotation, in (0, 1]
     * @param babySteps  the baby-step size n1 (a power of two), or 0 to choose the cheapest
     * @param maxDiagonals the most diagonals accepted
     * @return the kernel, or null when it would need more than maxDiagonals diagonals
     */
    static DiagonalKernel plan(String label, AffineMap map, Representation in, double alpha, double beta, Placement out,
            double hoistRatio, int babySteps, int maxDiagonals) {
        if (map.inputs() != in.size()) {
            throw new IllegalArgumentException("diagonal kernel: the map reads " + map.inputs() + " values, the input has "
                    + in.size());
        }
        if (map.outputs() != out.outputs() || out.slots() != in.slots()) {
            throw new IllegalArgumentException("diagonal kernel: the placement does not fit the map or the slots");
        }
        AffineMap m = map.withInputAffine(alpha, beta);
        int slots = in.slots();
        int outCts = out.ciphertexts();
        boolean sparse = in instanceof SparseLayout;
        Map<Long, Diagonal> diags = new HashMap<>();
        // Diagonal lookup by key without boxing when the key space is small (the usual case).
        long space = (long) in.ciphertexts() * outCts * slots;
        Diagonal[] direct = space <= (1 << 22) ? new Diagonal[(int) space] : null;
        int stride = out.stride();
        int partials = out.partials();
        // The input's copies as flat arrays: the loop below visits every (weight, copy) pair.
        int[] first = new int[in.size() + 1];
        if (!sparse) {
            for (int j = 0; j < in.size(); j++) {
                first[j + 1] = first[j] + in.copies(j);
            }
        }
        int[] copyCt = new int[first[in.size()]];
        int[] copySlot = new int[first[in.size()]];
        if (!sparse) {
            for (int j = 0; j < in.size(); j++) {
                for (int c = 0; c < in.copies(j); c++) {
                    copyCt[first[j] + c] = in.ciphertext(j, c);
                    copySlot[first[j] + c] = in.slot(j, c);
                }
            }
        }
        for (int o = 0; o < m.outputs(); o++) {
            int co = out.ciphertext(o);
            int t = out.slot(o);
            int[] cols = m.columns(o);
            double[] w = m.weights(o);
            for (int k = 0; k < cols.length; k++) {
                int j = cols[k];
                int bestCi;
                int bestR;
                int bestL;
                if (sparse) {
                    bestCi = j;
                    bestR = 0;
                    bestL = 0;
                } else {
                    bestCi = Integer.MAX_VALUE;
                    bestR = Integer.MAX_VALUE;
                    bestL = 0;
                    for (int c = first[j]; c < first[j + 1]; c++) {
                        int ci = copyCt[c];
                        int d = (copySlot[c] - t) & (slots - 1);
                        int l = Math.min(d / stride, partials - 1);
                        int r = d - l * stride;
                        if (r < bestR || (r == bestR && ci < bestCi)) {
                            bestR = r;
                            bestCi = ci;
                            bestL = l;
                        }
                    }
                }
                long key = ((long) bestCi * outCts + co) * slots + bestR;
                Diagonal dg = direct != null ? direct[(int) key] : diags.get(key);
                if (dg == null) {
                    if (diags.size() >= maxDiagonals) {
                        return null;
                    }
                    dg = new Diagonal();
                    diags.put(key, dg);
                    if (direct != null) {
                        direct[(int) key] = dg;
                    }
                }
                dg.add(t + bestL * stride, w[k]);
            }
        }
        double[][] biasValues = new double[outCts][];
        double[] b = new double[m.outputs()];
        for (int o = 0; o < b.length; o++) {
            b[o] = m.bias(o);
        }
        for (int co = 0; co < outCts; co++) {
            biasValues[co] = scatter(out.output(), co, b);
        }
        if (babySteps != 0 && (babySteps < 0 || babySteps > slots || Integer.bitCount(babySteps) != 1)) {
            throw new IllegalArgumentException("diagonal kernel: baby steps " + babySteps + " is not a power of two up to " + slots);
        }
        return new DiagonalKernel(label, in, alpha, beta, out, diags, biasValues, hoistRatio, babySteps);
    }

    private DiagonalKernel(String label, Representation in, double alpha, double beta, Placement out,
            Map<Long, Diagonal> diags, double[][] biasValues, double hoistRatio, int babySteps) {
        super(in, alpha, beta);
        this.label = label;
        this.rescaleFirst = false;
        this.out = out;
        this.slots = in.slots();
        this.diagonals = diags.size();
        int inCts = in.ciphertexts();
        int outCts = out.ciphertexts();
        long[] keys = new long[diags.size()];
        int q = 0;
        for (long k : diags.keySet()) {
            keys[q++] = k;
        }
        Arrays.sort(keys);
        this.n1 = babySteps != 0 ? babySteps : bestBabySteps(keys, inCts, outCts, hoistRatio);
        List<TreeSet<Integer>> babySets = newSets(inCts);
        List<TreeMap<Integer, List<long[]>>> byGiant = new ArrayList<>();
        for (int co = 0; co < outCts; co++) {
            byGiant.add(new TreeMap<>());
        }
        for (long key : keys) {
            int r = (int) (key % slots);
            int co = (int) (key / slots % outCts);
            int ci = (int) (key / slots / outCts);
            int bStep = r % n1;
            int g = r - bStep;
            if (bStep != 0) {
                babySets.get(ci).add(bStep);
            }
            byGiant.get(co).computeIfAbsent(g, x -> new ArrayList<>()).add(new long[] {key});
        }
        babies = new int[inCts][];
        for (int ci = 0; ci < inCts; ci++) {
            babies[ci] = babySets.get(ci).stream().mapToInt(Integer::intValue).toArray();
        }
        groups = new ArrayList<>();
        groupStart = new int[outCts + 1];
        for (int co = 0; co < outCts; co++) {
            groupStart[co] = groups.size();
            for (Map.Entry<Integer, List<long[]>> e : byGiant.get(co).entrySet()) {
                int g = e.getKey();
                List<long[]> terms = e.getValue();
                int[] ci = new int[terms.size()];
                int[] bi = new int[terms.size()];
                WeightVector[] ws = new WeightVector[terms.size()];
                for (int t = 0; t < terms.size(); t++) {
                    long key = terms.get(t)[0];
                    int r = (int) (key % slots);
                    ci[t] = (int) (key / slots / outCts);
                    int bStep = r % n1;
                    bi[t] = bStep == 0 ? 0 : 1 + Arrays.binarySearch(babies[ci[t]], bStep);
                    // The plan keeps the compact form only: the dense values are rebuilt from it when
                    // encoded or when the twin runs (WeightVector caches them during the compile only).
                    SparseDiagonal dg = SparseDiagonal.of(diags.get(key));
                    ws[t] = new WeightVector(() -> dg.values(slots, g));
                }
                groups.add(new Group(g, ci, bi, ws));
            }
        }
        groupStart[outCts] = groups.size();
        bias = new WeightVector[outCts];
        for (int co = 0; co < outCts; co++) {
            bias[co] = allZero(biasValues[co]) ? null : new WeightVector(biasValues[co]);
        }
    }

    private DiagonalKernel(DiagonalKernel k, boolean rescaleFirst) {
        super(k.input(), k.inAlpha(), k.inBeta());
        this.label = k.label;
        this.out = k.out;
        this.slots = k.slots;
        this.n1 = k.n1;
        this.diagonals = k.diagonals;
        this.babies = k.babies;
        this.groups = k.groups;
        this.groupStart = k.groupStart;
        this.bias = k.bias;
        this.rescaleFirst = rescaleFirst;
    }

    /**
     * The same kernel rescaling each giant group before its rotation: one rescale per group
     * instead of one in all, but the giant rotations run a level lower, where they are cheaper
     * (rescaling commutes with rotations). The compiler prices both.
     *
     * @return the variant
     */
    DiagonalKernel rescalingFirst() {
        return new DiagonalKernel(this, true);
    }

    /** Whether giant groups are rescaled before their rotation. */
    boolean rescalesFirst() {
        return rescaleFirst;
    }

    private static List<TreeSet<Integer>> newSets(int n) {
        List<TreeSet<Integer>> s = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            s.add(new TreeSet<>());
        }
        return s;
    }

    /**
     * The baby-step size minimizing (giant rotations) + hoistRatio (baby rotations) (+ one ModUp per
     * hoisted batch), ties broken by fewer distinct rotation keys.
     */
    private int bestBabySteps(long[] keys, int inCts, int outCts, double ratio) {
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        int bestKeys = Integer.MAX_VALUE;
        long[] babyKeys = new long[keys.length];
        long[] giantKeys = new long[keys.length];
        long[] steps = new long[2 * keys.length];
        for (int n = 1; n <= slots; n <<= 1) {
            int nb = 0;
            int ng = 0;
            int ns = 0;
            for (long key : keys) {
                int r = (int) (key % slots);
                int co = (int) (key / slots % outCts);
                int ci = (int) (key / slots / outCts);
                int bs = r % n;
                if (bs != 0) {
                    babyKeys[nb++] = ((long) ci << 32) | bs;
                    steps[ns++] = bs;
                }
                if (r - bs != 0) {
                    giantKeys[ng++] = ((long) co << 32) | (r - bs);
                    steps[ns++] = r - bs;
                }
            }
            // Distinct babies per input ciphertext: a hoisted batch of k steps costs a ModUp plus k steps.
            Arrays.sort(babyKeys, 0, nb);
            double cost = 0;
            int run = 0;
            for (int i = 0; i < nb; i++) {
                boolean fresh = i == 0 || babyKeys[i] != babyKeys[i - 1];
                boolean newCt = i == 0 || (babyKeys[i] >>> 32) != (babyKeys[i - 1] >>> 32);
                if (newCt && run > 0) {
                    cost += run == 1 ? 1 : (1 - ratio) + ratio * run;
                    run = 0;
                }
                if (fresh) {
                    run++;
                }
            }
            if (run > 0) {
                cost += run == 1 ? 1 : (1 - ratio) + ratio * run;
            }
            Arrays.sort(giantKeys, 0, ng);
            for (int i = 0; i < ng; i++) {
                if (i == 0 || giantKeys[i] != giantKeys[i - 1]) {
                    cost += 1;
                }
            }
            Arrays.sort(steps, 0, ns);
            int distinct = 0;
            for (int i = 0; i < ns; i++) {
                if (i == 0 || steps[i] != steps[i - 1]) {
                    distinct++;
                }
            }
            if (cost < bestCost - 1e-9 || (Math.abs(cost - bestCost) <= 1e-9 && distinct < bestKeys)) {
                bestCost = cost;
                bestKeys = distinct;
                best = n;
            }
        }
        return best;
    }

    /** The number of diagonals (plaintext products). */
    int diagonals() {
        return diagonals;
    }

    /** The baby-step size. */
    int babySteps() {
        return n1;
    }

    /** The placement of the outputs. */
    Placement placement() {
        return out;
    }

    @Override
    String kind() {
        return input() instanceof SparseLayout ? "column-major" : "diagonal";
    }

    @Override
    String describe() {
        int giants = groups.size();
        int b = 0;
        for (int[] x : babies) {
            b += x.length;
        }
        String fold = out.partials() > 1 ? ", fold " + log2(out.partials()) : "";
        return kind() + " " + label + ": " + diagonals + " diagonals, n1 " + n1 + " (" + b + " baby + " + giants
                + " giant groups" + (rescaleFirst ? ", rescaled before their rotation" : "") + ")" + fold + " -> " + out.name();
    }

    @Override
    Representation output() {
        return out.output();
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        List<List<V>> rotated = ops.parallel(in.size(), ci -> {
            List<V> r = new ArrayList<>(babies[ci].length + 1);
            r.add(in.get(ci));
            if (babies[ci].length > 0) {
                r.addAll(ops.rotateHoisted(in.get(ci), babies[ci]));
            }
            return r;
        });
        List<V> partial = ops.parallel(groups.size(), t -> {
            Group g = groups.get(t);
            List<V> xs = new ArrayList<>(g.ci.length);
            for (int k = 0; k < g.ci.length; k++) {
                xs.add(rotated.get(g.ci[k]).get(g.babyIndex[k]));
            }
            V inner = ops.multiplyPlainAndSum(xs, Arrays.asList(g.weights));
            if (rescaleFirst) {
                inner = ops.rescale(inner);
            }
            return g.step == 0 ? inner : ops.rotate(inner, g.step);
        });
        return ops.parallel(out.ciphertexts(), co -> {
            V acc = null;
            for (int t = groupStart[co]; t < groupStart[co + 1]; t++) {
                acc = acc == null ? partial.get(t) : ops.add(acc, partial.get(t));
            }
            boolean rescaled = rescaleFirst;
            if (acc == null) {
                acc = ops.multiplyConstAndSum(List.of(in.get(0)), new double[] {0});
                rescaled = false;
            }
            if (!rescaled) {
                acc = ops.rescale(acc);
            }
            for (int f = out.stride(); f < out.stride() * out.partials(); f <<= 1) {
                acc = ops.add(acc, ops.rotate(acc, f));
            }
            return bias[co] == null ? acc : ops.addPlain(acc, bias[co]);
        });
    }
}
