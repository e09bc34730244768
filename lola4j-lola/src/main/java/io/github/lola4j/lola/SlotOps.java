package io.github.lola4j.lola;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The slot-level operations every LoLa kernel is written against. Three implementations run the
 * same kernel code: {@link PlainSlots} on doubles (the plaintext twin, with exact level and scale
 * bookkeeping), {@link CountingSlots} on levels and scales only (the compiler's simulator: costs and
 * rotation keys) and {@link CipherSlots} on ciphertexts. Rotations are left rotations: slot i
 * receives slot (i + steps) mod S.
 *
 * <p>Products by weight vectors and constants are encoded at the scale of the operand's last prime
 * q_level, so that the {@link #rescale} that follows restores the operand's scale.
 *
 * @param <V> the value type: one ciphertext, or its twin
 */
interface SlotOps<V> {

    /** S, the slots per value. */
    int slots();

    /** The level of a value. */
    int level(V x);

    /** The scale of a value. */
    double scale(V x);

    /** rotate(x, steps), with one key switch. */
    V rotate(V x, int steps);

    /**
     * Rotations of one value by several steps sharing one decomposition (hoisting).
     *
     * @param x     the value
     * @param steps distinct non-zero steps (mod S)
     * @return one value per step, in order
     */
    List<V> rotateHoisted(V x, int[] steps);

    /** a + b (same level and scale). */
    V add(V a, V b);

    /** sum_i xs[i] * ws[i], not rescaled; the weights are encoded at scale q_level. */
    V multiplyPlainAndSum(List<V> xs, List<WeightVector> ws);

    /** sum_i xs[i] * cs[i], not rescaled; the constants are rounded at scale q_level. */
    default V multiplyConstAndSum(List<V> xs, double[] cs) {
        return multiplyConstAndSum(xs, cs, level(xs.get(0)));
    }

    /**
     * sum_i xs[i] * cs[i], not rescaled, the constants rounded at scale q_primeLevel (a level at or
     * below the values').
     */
    V multiplyConstAndSum(List<V> xs, double[] cs, int primeLevel);

    /**
     * For every output o, sum_j weights[o][j] * xs[columns[o][j]] as {@link #multiplyConstAndSum}
     * computes it; an output without terms is zero. The ciphertext implementation computes all
     * outputs in one pass over the inputs.
     *
     * @param xs      the inputs, all at one level and scale
     * @param columns for each output, the inputs it reads
     * @param weights for each output, their constants
     * @return one value per output, not rescaled
     */
    default List<V> linearCombinations(List<V> xs, int[][] columns, double[][] weights) {
        return linearCombinations(xs, columns, weights, level(xs.get(0)));
    }

    /**
     * {@link #linearCombinations(List, int[][], double[][])} with the constants rounded at scale
     * q_primeLevel.
     */
    default List<V> linearCombinations(List<V> xs, int[][] columns, double[][] weights, int primeLevel) {
        return parallel(columns.length, o -> {
            if (columns[o].length == 0) {
                return multiplyConstAndSum(List.of(xs.get(0)), new double[] {0}, primeLevel);
            }
            List<V> terms = new ArrayList<>(columns[o].length);
            for (int c : columns[o]) {
                terms.add(xs.get(c));
            }
            return multiplyConstAndSum(terms, weights[o], primeLevel);
        });
    }

    /** a * b, relinearized, not rescaled. */
    V multiply(V a, V b);

    /**
     * a * b left unrelinearized (a degree-2 value), not rescaled: for a consumer that relinearizes
     * its fewer outputs instead ({@link #relinearize}). Degree-2 values may be added, rescaled and
     * multiplied by constants, nothing else.
     */
    V multiplyUnrelinearized(V a, V b);

    /** x relinearized to degree 1 (one key switch); a degree-1 value is returned as it is. */
    V relinearize(V x);

    /** x + c in every slot (c at x's scale). */
    V addConst(V x, double c);

    /** x + w (w encoded at x's level and exact scale). */
    V addPlain(V x, WeightVector w);

    /** Divides by q_level and drops one level. */
    V rescale(V x);

    /** Drops primes without dividing. */
    V dropToLevel(V x, int level);

    /**
     * Runs independent tasks, in parallel where the implementation can, and returns their results
     * in order. Tasks must not depend on each other.
     *
     * @param count the number of tasks
     * @param task  the task body
     * @param <R>   the result type
     * @return the results
     */
    <R> List<R> parallel(int count, IntFunction<R> task);
}
