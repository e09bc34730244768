package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.WideSums;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.util.Arrays;

/**
 * The sums of products behind {@link Evaluator#multiplyPlainAndSum},
 * {@link Evaluator#multiplyConstAndSum} and {@link Evaluator#linearCombinations}: plain long[] loops with lazy reduction, the operands
 * already validated by the evaluator. Every result is fully reduced, so however a sum is chunked or
 * tiled, it is bit for bit the same residue.
 */
final class ProductSums {

    private ProductSums() {
    }

    /**
     * Output o = sum_j residues[o][j] * xs[columns[o][j]] (constants as residues per limb), every
     * output in one pass over the inputs where the primes allow (see {@link #tiledCombinations}).
     */
    static Ciphertext[] constantCombinations(Parallelism par, Ciphertext[] xs, int[][] columns, long[][][] residues,
            double scale) {
        int outputs = columns.length;
        RnsRing ring = xs[0].poly(0).ring();
        int limbs = ring.limbs();
        RnsPoly[][] r = zeros(outputs, xs[0].degree(), ring);
        int n = ring.ringDegree();
        int parts = Math.max(1, Math.min(n / COMBINATION_TILE, 4));
        par.forEach(limbs * parts, task -> {
            int l = task / parts;
            int part = task % parts;
            Modulus m = ring.modulus(l);
            if (m.value() < (1L << TILED_PRIME_BITS)) {
                int span = n / parts;
                tiledCombinations(xs, columns, residues, l, part * span, span, r);
            } else {
                long[] hi = new long[BLOCK];
                long[] lo = new long[BLOCK];
                long factor = m.montgomeryFactor();
                long factorShoup = m.shoup(factor);
                for (int o = part; o < outputs; o += parts) {
                    int count = columns[o].length;
                    if (count == 0) {
                        continue;
                    }
                    Ciphertext[] cts = new Ciphertext[count];
                    long[] w = new long[count];
                    for (int j = 0; j < count; j++) {
                        cts[j] = xs[columns[o][j]];
                        w[j] = m.mulShoup(residues[o][j][l], factor, factorShoup);
                    }
                    sumLimb(cts, null, w, l, r[o], hi, lo);
                }
            }
        });
        return ciphertexts(r, scale);
    }

    private static RnsPoly[][] zeros(int outputs, int degree, RnsRing ring) {
        RnsPoly[][] r = new RnsPoly[outputs][degree + 1];
        for (int o = 0; o < outputs; o++) {
            for (int d = 0; d <= degree; d++) {
                r[o][d] = new RnsPoly(ring, true);
            }
        }
        return r;
    }

    private static Ciphertext[] ciphertexts(RnsPoly[][] r, double scale) {
        Ciphertext[] out = new Ciphertext[r.length];
        for (int o = 0; o < r.length; o++) {
            out[o] = new Ciphertext(r[o], scale);
        }
        return out;
    }

    /**
     * Coefficients [from, from + span) of limb l of every output, tile by tile, for groups of
     * outputs whose tile accumulators together take 256 KiB (they stay in L2): each input's tile is
     * read once per group and added, times its constant, into the accumulator of every output of
     * the group that uses it. The products stay in 63 bits: for a prime below 2^31 directly; for one
     * below 2^{@value #TILED_PRIME_BITS} each constant is split as w = w_1 2^h + w_0 (h = half the
     * prime's bits, rounded up) into two accumulators, joined at the end. An accumulator is reduced
     * when one more product could overflow.
     */
    private static void tiledCombinations(Ciphertext[] xs, int[][] columns, long[][][] residues, int l, int from, int span,
            RnsPoly[][] r) {
        Modulus m = xs[0].poly(0).ring().modulus(l);
        long q = m.value();
        int outputs = columns.length;
        int degree = xs[0].degree();
        boolean split = q >= (1L << 31);
        int h = split ? (64 - Long.numberOfLeadingZeros(q) + 1) / 2 : 0;
        long pieceMax = split ? (1L << h) - 1 : q - 1;
        long limit = Long.MAX_VALUE / ((q - 1) * pieceMax);
        long lowMask = (1L << h) - 1;
        long shift = split ? m.reduceLong(1L << h) : 0;
        int tile = Math.min(span, COMBINATION_TILE);
        int group = Math.max(1, COMBINATION_ACCUMULATORS / (tile * (split ? 2 : 1)));
        long[] acc = new long[Math.min(group, outputs) * tile];
        long[] accHigh = split ? new long[acc.length] : null;
        int[] terms = new int[group];
        int[] uses = new int[xs.length];
        for (int g0 = 0; g0 < outputs; g0 += group) {
            int g1 = Math.min(outputs, g0 + group);
            // The group's terms regrouped by input: which outputs read input i, with which constant.
            Arrays.fill(uses, 0);
            for (int o = g0; o < g1; o++) {
                for (int c : columns[o]) {
                    uses[c]++;
                }
            }
            int[][] readers = new int[xs.length][];
            long[][] constants = new long[xs.length][];
            for (int i = 0; i < xs.length; i++) {
                readers[i] = new int[uses[i]];
                constants[i] = new long[uses[i]];
                uses[i] = 0;
            }
            for (int o = g0; o < g1; o++) {
                for (int j = 0; j < columns[o].length; j++) {
                    int c = columns[o][j];
                    readers[c][uses[c]] = o - g0;
                    constants[c][uses[c]++] = residues[o][j][l];
                }
            }
            for (int d = 0; d <= degree; d++) {
                for (int base = from; base < from + span; base += tile) {
                    Arrays.fill(acc, 0);
                    if (split) {
                        Arrays.fill(accHigh, 0);
                    }
                    Arrays.fill(terms, 0);
                    for (int i = 0; i < xs.length; i++) {
                        int[] rd = readers[i];
                        if (rd.length == 0) {
                            continue;
                        }
                        long[] x = xs[i].poly(d).limb(l);
                        long[] cs = constants[i];
                        for (int k = 0; k < rd.length; k++) {
                            int o = rd[k];
                            int off = o * tile;
                            if (terms[o] == limit) {
                                for (int c = 0; c < tile; c++) {
                                    acc[off + c] = m.reduceLong(acc[off + c]);
                                }
                                if (split) {
                                    for (int c = 0; c < tile; c++) {
                                        accHigh[off + c] = m.reduceLong(accHigh[off + c]);
                                    }
                                }
                                terms[o] = 1;
                            }
                            terms[o]++;
                            long w = cs[k];
                            if (split) {
                                long w0 = w & lowMask;
                                long w1 = w >>> h;
                                for (int c = 0; c < tile; c++) {
                                    long v = x[base + c];
                                    acc[off + c] += v * w0;
                                    accHigh[off + c] += v * w1;
                                }
                            } else {
                                for (int c = 0; c < tile; c++) {
                                    acc[off + c] += x[base + c] * w;
                                }
                            }
                        }
                    }
                    for (int o = g0; o < g1; o++) {
                        long[] z = r[o][d].limb(l);
                        int off = (o - g0) * tile;
                        for (int c = 0; c < tile; c++) {
                            long v = m.reduceLong(acc[off + c]);
                            z[base + c] = split ? m.add(v, m.mul(m.reduceLong(accHigh[off + c]), shift)) : v;
                        }
                    }
                }
            }
        }
    }

    /** Primes up to this many bits take the tiled path of {@link #constantCombinations} (63-bit products, split constants). */
    private static final int TILED_PRIME_BITS = 41;

    /** Coefficients per tile of {@link #constantCombinations}: 2 KiB of each input row, in L1. */
    private static final int COMBINATION_TILE = 256;

    /** Accumulator longs per group of outputs in {@link #constantCombinations}: 256 KiB, in L2. */
    private static final int COMBINATION_ACCUMULATORS = 32768;

    /**
     * Coefficients per block of the multiply-and-sum loops: a whole limb at N = 8192 (two
     * accumulator rows of 64 KiB stay in L2 while each term streams two rows in order, which the
     * prefetchers follow; interleaving many terms over small blocks stalls on memory instead).
     */
    private static final int BLOCK = 8192;

    /**
     * sum_t cts[t] * f_t, with f_t the plaintext rows (per limb) or the scalar residues (per limb).
     * For a prime below 2^31 the products fit in 63 bits: up to (2^63 - 1) / (q - 1)^2 of them are
     * summed in a long and reduced once. Otherwise full 128-bit products of Montgomery-form factors
     * are summed and Montgomery-reduced once per chunk of at most floor(2^64 / q) terms (which keeps
     * the sum below q 2^64). Both work in blocks of coefficients that stay in the L1 cache.
     */
    static Ciphertext sum(Parallelism par, Ciphertext[] cts, Plaintext[] pts, long[][] scalars, double scale) {
        int degree = cts[0].degree();
        RnsRing ring = cts[0].poly(0).ring();
        int n = ring.ringDegree();
        int count = cts.length;
        RnsPoly[] r = new RnsPoly[degree + 1];
        for (int d = 0; d <= degree; d++) {
            r[d] = new RnsPoly(ring, true);
        }
        par.forSize((long) ring.limbs() * n).forEach(ring.limbs(), l -> {
            Modulus m = ring.modulus(l);
            boolean small = m.value() < (1L << 31);
            long[][] rows = pts == null ? null : new long[count][];
            long[] w = pts == null ? new long[count] : null;
            for (int t = 0; t < count; t++) {
                if (pts != null) {
                    rows[t] = pts[t].productRow(l);
                } else {
                    w[t] = small ? scalars[t][l] : m.mulShoup(scalars[t][l], m.montgomeryFactor(), m.shoup(m.montgomeryFactor()));
                }
            }
            sumLimb(cts, rows, w, l, r, new long[BLOCK], new long[BLOCK]);
        });
        return new Ciphertext(r, scale);
    }

    /**
     * Limb l of sum_t cts[t] * f_t into r: f_t the plaintext rows (rows[t]) or the scalar (w[t]),
     * in the form {@link #sumOfProducts} describes; hi and lo are scratch blocks.
     */
    private static void sumLimb(Ciphertext[] cts, long[][] rows, long[] w, int l, RnsPoly[] r, long[] hi, long[] lo) {
        int degree = cts[0].degree();
        int count = cts.length;
        Modulus m = cts[0].poly(0).ring().modulus(l);
        int n = cts[0].poly(0).ringDegree();
        long q = m.value();
        boolean small = q < (1L << 31);
        int chunk = small ? (int) Math.min(count, Long.MAX_VALUE / ((q - 1) * (q - 1)))
                : (int) Math.min(count, Long.divideUnsigned(-1L, q));
        for (int d = 0; d <= degree; d++) {
            long[] z = r[d].limb(l);
            for (int base = 0; base < n; base += BLOCK) {
                int len = Math.min(BLOCK, n - base);
                for (int t0 = 0; t0 < count; t0 += chunk) {
                    Arrays.fill(lo, 0, len, 0);
                    if (!small) {
                        Arrays.fill(hi, 0, len, 0);
                    }
                    for (int t = t0; t < Math.min(count, t0 + chunk); t++) {
                        long[] x = cts[t].poly(d).limb(l);
                        if (small) {
                            if (rows != null) {
                                mac64(x, rows[t], base, len, lo);
                            } else {
                                mac64(x, w[t], base, len, lo);
                            }
                        } else if (rows != null) {
                            WideSums.multiplyAccumulate(x, rows[t], base, len, hi, lo);
                        } else {
                            WideSums.multiplyAccumulate(x, w[t], base, len, hi, lo);
                        }
                    }
                    for (int c = 0; c < len; c++) {
                        long v = small ? m.reduceLong(lo[c]) : m.montgomeryReduce(hi[c], lo[c]);
                        z[base + c] = t0 == 0 ? v : m.add(v, z[base + c]);
                    }
                }
            }
        }
    }

    /** acc += x * y over one block, the products and their sum below 2^63. */
    private static void mac64(long[] x, long[] y, int base, int len, long[] acc) {
        for (int c = 0; c < len; c++) {
            acc[c] += x[base + c] * y[base + c];
        }
    }

    /** acc += x * w over one block, the products and their sum below 2^63. */
    private static void mac64(long[] x, long w, int base, int len, long[] acc) {
        for (int c = 0; c < len; c++) {
            acc[c] += x[base + c] * w;
        }
    }
}
