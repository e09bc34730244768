package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.KeyRequirements;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The simulator: runs a kernel on levels and scales only, counting every operation by level and
 * collecting the exact rotation steps and whether relinearization is needed. What it records is
 * what an encrypted run of the same kernel performs, operation for operation. With a
 * {@link LevelChain} it follows scales exactly; without one (before parameters exist) every prime
 * counts as 1 and only levels are meaningful. Not thread-safe; {@link #parallel} runs in order.
 */
final class CountingSlots implements SlotOps<CountingSlots.Value> {

    /**
     * A simulated value.
     *
     * @param level  the level
     * @param scale  the scale
     * @param degree 1, or 2 for a product not yet relinearized
     */
    record Value(int level, double scale, int degree) {
        Value(int level, double scale) {
            this(level, scale, 1);
        }
    }

    /** The evaluator's refusal of a degree-2 operand where it needs degree 1, at compile time. */
    private static void requireDegree1(Value x, String op) {
        if (x.degree != 1) {
            throw new IllegalArgumentException(op + ": the value has degree " + x.degree + "; relinearize first");
        }
    }

    private final int slots;
    private final LevelChain chain;
    private final OpCounts counts = new OpCounts();
    private final TreeMap<Integer, Integer> steps = new TreeMap<>();   // step -> highest level it rotates at
    private final Map<WeightVector, TreeSet<Integer>> plaintexts = new IdentityHashMap<>();
    private final Encodings encodings;   // null: count only
    private int relinearizationLevel = -1;

    /**
     * Where a preparing simulator gets each weight vector's encoding: made by the encoder
     * ({@link Plan#prepare()}), or read from a prepared plan's file.
     */
    interface Encodings {
        /**
         * The encoding of w at a level and exact scale, cached in w afterwards.
         *
         * @param products whether the {@linkplain io.github.lola4j.ckks.Plaintext#productForm() product form}
         */
        void provide(WeightVector w, int level, double scale, boolean products);
    }

    CountingSlots(int slots, LevelChain chain) {
        this(slots, chain, null);
    }

    private CountingSlots(int slots, LevelChain chain, Encodings encodings) {
        this.slots = slots;
        this.chain = chain;
        this.encodings = encodings;
    }

    /**
     * A simulator that also encodes every weight vector at the level and exact scale the encrypted
     * run uses it at ({@link Plan#prepare()}): afterwards an evaluation finds every plaintext cached.
     * Its scales follow the evaluator's arithmetic operation for operation, so the cache keys match.
     */
    static CountingSlots preparing(CkksParameters params, Encodings encodings) {
        return new CountingSlots(params.slots(), LevelChain.of(params), encodings);
    }

    /** The operations recorded so far (live). */
    OpCounts counts() {
        return counts;
    }

    /** The rotation steps used, normalized to [1, S) (read-only, live). */
    Set<Integer> rotationSteps() {
        return Collections.unmodifiableSet(steps.keySet());
    }

    /** Whether a ciphertext product (hence relinearization) occurred. */
    boolean needsRelinearization() {
        return relinearizationLevel >= 0;
    }

    /** The keys the recorded operations use, each at the highest level it was used at. */
    KeyRequirements keyRequirements() {
        KeyRequirements r = relinearizationLevel >= 0 ? KeyRequirements.none().withRelinearization(relinearizationLevel)
                : KeyRequirements.none();
        TreeMap<Integer, List<Integer>> byLevel = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : steps.entrySet()) {
            byLevel.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        }
        for (Map.Entry<Integer, List<Integer>> e : byLevel.entrySet()) {
            r = r.withRotations(e.getKey(), e.getValue());
        }
        return r;
    }

    private void rotationAt(int step, int level) {
        steps.merge(step, level, Math::max);
    }

    /** The weight vectors the simulated kernels used, each once (live, identity set). */
    Set<WeightVector> weights() {
        return Collections.unmodifiableSet(plaintexts.keySet());
    }

    /** The number of distinct (weight vector, level) encodings the kernels use, per level. */
    long[] plaintextsPerLevel(int maxLevel) {
        long[] n = new long[maxLevel + 1];
        for (TreeSet<Integer> ls : plaintexts.values()) {
            for (int l : ls) {
                if (l <= maxLevel) {
                    n[l]++;
                }
            }
        }
        return n;
    }

    private double prime(int level) {
        return chain == null ? 1.0 : chain.prime(level);
    }

    private void useWeight(WeightVector w, int level) {
        plaintexts.computeIfAbsent(w, k -> new TreeSet<>()).add(level);
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int level(Value x) {
        return x.level;
    }

    @Override
    public double scale(Value x) {
        return x.scale;
    }

    @Override
    public Value rotate(Value x, int s) {
        requireDegree1(x, "rotate");
        int k = Math.floorMod(s, slots);
        if (k != 0) {
            rotationAt(k, x.level);
            counts.add(OpCounts.Op.ROTATION, x.level, 1);
        }
        return x;
    }

    @Override
    public List<Value> rotateHoisted(Value x, int[] st) {
        requireDegree1(x, "rotateHoisted");
        List<Value> out = new ArrayList<>(st.length);
        int real = 0;
        for (int s : st) {
            int k = Math.floorMod(s, slots);
            if (k != 0) {
                rotationAt(k, x.level);
                real++;
            }
            out.add(x);
        }
        if (real == 1) {
            counts.add(OpCounts.Op.ROTATION, x.level, 1);
        } else if (real > 1) {
            counts.add(OpCounts.Op.HOISTED_BATCH, x.level, 1);
            counts.add(OpCounts.Op.HOISTED_ROTATION, x.level, real);
        }
        return out;
    }

    @Override
    public Value add(Value a, Value b) {
        PlainSlots.sameLevelAndScale(a.level, a.scale, b.level, b.scale, "add");
        counts.add(OpCounts.Op.ADDITION, a.level, 1);
        return a.degree >= b.degree ? a : b;
    }

    @Override
    public Value multiplyPlainAndSum(List<Value> xs, List<WeightVector> ws) {
        Value x0 = terms(xs, ws.size(), "multiplyPlainAndSum");
        requireDegree1(x0, "multiplyPlainAndSum");
        for (WeightVector w : ws) {
            useWeight(w, x0.level);
            if (encodings != null) {
                encodings.provide(w, x0.level, prime(x0.level), true);
            }
        }
        counts.add(OpCounts.Op.PLAIN_PRODUCT, x0.level, xs.size());
        return new Value(x0.level, x0.scale * prime(x0.level));
    }

    @Override
    public Value multiplyConstAndSum(List<Value> xs, double[] cs, int primeLevel) {
        Value x0 = terms(xs, cs.length, "multiplyConstAndSum");
        PlainSlots.checkPrimeLevel(primeLevel, x0.level, "multiplyConstAndSum");
        for (Value x : xs) {
            if (x.degree != x0.degree) {
                throw new IllegalArgumentException("multiplyConstAndSum: terms of degree " + x0.degree + " and " + x.degree);
            }
        }
        counts.add(x0.degree == 1 ? OpCounts.Op.CONST_PRODUCT : OpCounts.Op.DEGREE2_CONST_PRODUCT, x0.level, xs.size());
        return new Value(x0.level, x0.scale * prime(primeLevel), x0.degree);
    }

    private static Value terms(List<Value> xs, int others, String op) {
        return PlainSlots.checkTerms(xs, others, op, Value::level, Value::scale);
    }

    @Override
    public Value multiply(Value a, Value b) {
        product(a, b, "multiply");
        relinearizationLevel = Math.max(relinearizationLevel, a.level);
        counts.add(OpCounts.Op.CIPHER_PRODUCT, a.level, 1);
        return new Value(a.level, a.scale * b.scale);
    }

    @Override
    public Value multiplyUnrelinearized(Value a, Value b) {
        product(a, b, "multiplyUnrelinearized");
        counts.add(OpCounts.Op.TENSOR_PRODUCT, a.level, 1);
        return new Value(a.level, a.scale * b.scale, 2);
    }

    private void product(Value a, Value b, String op) {
        if (a.level != b.level) {
            throw new IllegalArgumentException(op + ": a is at level " + a.level + ", b at level " + b.level);
        }
        requireDegree1(a, op);
        requireDegree1(b, op);
    }

    @Override
    public Value relinearize(Value x) {
        if (x.degree == 1) {
            return x;
        }
        counts.add(OpCounts.Op.RELINEARIZATION, x.level, 1);
        relinearizationLevel = Math.max(relinearizationLevel, x.level);
        return new Value(x.level, x.scale);
    }

    @Override
    public Value addConst(Value x, double c) {
        counts.add(OpCounts.Op.ADDITION, x.level, 1);
        return x;
    }

    @Override
    public Value addPlain(Value x, WeightVector w) {
        useWeight(w, x.level);
        if (encodings != null) {
            encodings.provide(w, x.level, x.scale, false);
        }
        counts.add(OpCounts.Op.ADDITION, x.level, 1);
        return x;
    }

    @Override
    public Value rescale(Value x) {
        if (x.level < 1) {
            throw new IllegalArgumentException("rescale: the value is at level 0");
        }
        counts.add(OpCounts.Op.RESCALE, x.level, 1);
        return new Value(x.level - 1, x.scale / prime(x.level), x.degree);
    }

    @Override
    public Value dropToLevel(Value x, int level) {
        if (level < 0 || level > x.level) {
            throw new IllegalArgumentException("dropToLevel: target " + level + " outside [0, " + x.level + "]");
        }
        return new Value(level, x.scale, x.degree);
    }

    @Override
    public <R> List<R> parallel(int count, IntFunction<R> task) {
        List<R> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(task.apply(i));
        }
        return out;
    }
}
