package io.github.lola4j.lola;

import io.github.lola4j.ckks.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The plaintext twin: the slot operations on doubles, with the level and scale of every value
 * followed exactly as CKKS does, the same operand checks as the {@link Evaluator}, and a record of
 * the smallest headroom seen (bits between the largest |slot| * scale and Q_level / 2: below zero,
 * an encrypted run would overflow). With a {@link NoiseModel} it also adds up, slot by slot, the
 * variance of the error an encrypted run would carry.
 * Not thread-safe; {@link #parallel} runs tasks in order.
 */
final class PlainSlots implements SlotOps<PlainSlots.Value> {

    /**
     * A twin value.
     *
     * @param v     the S slot values (owned by the value; never modified after creation)
     * @param level the level
     * @param scale the scale
     * @param noise per slot, the variance of the error an encrypted run would carry (null without a
     *              noise model; owned by the value, never modified after creation)
     */
    record Value(double[] v, int level, double scale, double[] noise) {
        Value(double[] v, int level, double scale) {
            this(v, level, scale, null);
        }
    }

    private final int slots;
    private final LevelChain chain;
    private final NoiseModel noise;
    private double minHeadroom = Double.POSITIVE_INFINITY;
    private String minHeadroomAt = "";

    PlainSlots(int slots, LevelChain chain) {
        this(slots, chain, null);
    }

    /**
     * A twin that also estimates the noise.
     *
     * @param noise the model, or null for values and headroom only
     */
    PlainSlots(int slots, LevelChain chain, NoiseModel noise) {
        this.slots = slots;
        this.chain = chain;
        this.noise = noise;
    }

    /** A fresh value at the top level and a scale. */
    Value fresh(double[] values, int level, double scale) {
        if (values.length != slots) {
            throw new IllegalArgumentException("expected " + slots + " slot values, got " + values.length);
        }
        double[] var = null;
        if (noise != null) {
            var = new double[slots];
            java.util.Arrays.fill(var, noise.fresh(scale));
        }
        return track(new Value(values.clone(), level, scale, var), "input");
    }

    /** The same slots, level and scale with the same extra noise in every slot (a key switch's, a rounding's). */
    private Value plus(Value x, double variance) {
        if (noise == null) {
            return x;
        }
        double[] var = new double[slots];
        for (int i = 0; i < slots; i++) {
            var[i] = x.noise[i] + variance;
        }
        return new Value(x.v, x.level, x.scale, var);
    }

    /**
     * The noise of a product of two ciphertexts, slot by slot. The error of a b is a e_b + b e_a +
     * e_a e_b; when the operands' errors are one and the same (a square, the activation of every
     * LoLa network) the first two add up coherently, so the variance is (|a| sd(b) + |b| sd(a))^2 +
     * var(a) var(b), which is also the bound for any correlation between them: twice the
     * independent operands' b^2 var(a) + a^2 var(b) in a square.
     */
    private double[] productNoise(Value a, Value b) {
        if (noise == null) {
            return null;
        }
        double[] var = new double[slots];
        for (int i = 0; i < slots; i++) {
            double sd = Math.abs(a.v[i]) * Math.sqrt(b.noise[i]) + Math.abs(b.v[i]) * Math.sqrt(a.noise[i]);
            var[i] = sd * sd + a.noise[i] * b.noise[i];
        }
        return var;
    }

    /**
     * The largest noise standard deviation over the slots a representation reads its elements from:
     * the other slots (partial sums, leftovers) never reach the result.
     */
    static double maxNoise(Representation r, List<Value> xs) {
        double[][] var = new double[xs.size()][];
        for (int c = 0; c < var.length; c++) {
            var[c] = xs.get(c).noise;
            if (var[c] == null) {
                return 0;
            }
        }
        double max = 0;
        for (double v : r.unpack(var)) {
            max = Math.max(max, v);
        }
        return Math.sqrt(max);
    }

    /** The smallest headroom in bits seen since the last {@link #resetHeadroom()}. */
    double minHeadroom() {
        return minHeadroom;
    }

    /** The operation that had the smallest headroom. */
    String minHeadroomAt() {
        return minHeadroomAt;
    }

    /** Starts a new headroom record. */
    void resetHeadroom() {
        minHeadroom = Double.POSITIVE_INFINITY;
        minHeadroomAt = "";
    }

    private Value track(Value x, String op) {
        double max = 0;
        for (double d : x.v) {
            max = Math.max(max, Math.abs(d));
        }
        if (max > 0) {
            double h = chain.log2Modulus(x.level) - 1 - Math.log(max * x.scale) / Math.log(2);
            if (h < minHeadroom) {
                minHeadroom = h;
                minHeadroomAt = op + " at level " + x.level;
            }
        }
        return x;
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
    public Value rotate(Value x, int steps) {
        double[] r = new double[slots];
        int s = Math.floorMod(steps, slots);
        for (int i = 0; i < slots; i++) {
            int j = i + s;
            r[i] = x.v[j >= slots ? j - slots : j];
        }
        if (noise == null) {
            return new Value(r, x.level, x.scale);
        }
        double[] var = new double[slots];
        double ks = noise.keySwitch(x.level, x.scale);
        for (int i = 0; i < slots; i++) {
            int j = i + s;
            var[i] = x.noise[j >= slots ? j - slots : j] + ks;
        }
        return new Value(r, x.level, x.scale, var);
    }

    @Override
    public List<Value> rotateHoisted(Value x, int[] steps) {
        List<Value> out = new ArrayList<>(steps.length);
        for (int s : steps) {
            out.add(rotate(x, s));
        }
        return out;
    }

    @Override
    public Value add(Value a, Value b) {
        sameLevelAndScale(a.level, a.scale, b.level, b.scale, "add");
        double[] r = new double[slots];
        for (int i = 0; i < slots; i++) {
            r[i] = a.v[i] + b.v[i];
        }
        double[] var = null;
        if (noise != null) {
            var = new double[slots];
            for (int i = 0; i < slots; i++) {
                var[i] = a.noise[i] + b.noise[i];
            }
        }
        return track(new Value(r, a.level, a.scale, var), "add");
    }

    @Override
    public Value multiplyPlainAndSum(List<Value> xs, List<WeightVector> ws) {
        Value x0 = terms(xs, ws.size(), "multiplyPlainAndSum");
        double[] r = new double[slots];
        double[] var = noise == null ? null : new double[slots];
        double enc = noise == null ? 0 : noise.encoding(chain.prime(x0.level));
        for (int t = 0; t < xs.size(); t++) {
            double[] x = xs.get(t).v;
            double[] w = ws.get(t).values();
            for (int i = 0; i < slots; i++) {
                r[i] += x[i] * w[i];
            }
            if (var != null) {
                // the operand's noise times the weight, and the weight's encoding error times the operand
                double[] xv = xs.get(t).noise;
                for (int i = 0; i < slots; i++) {
                    var[i] += w[i] * w[i] * xv[i] + x[i] * x[i] * enc;
                }
            }
        }
        return track(new Value(r, x0.level, x0.scale * chain.prime(x0.level), var), "plain products");
    }

    @Override
    public Value multiplyConstAndSum(List<Value> xs, double[] cs, int primeLevel) {
        Value x0 = terms(xs, cs.length, "multiplyConstAndSum");
        checkPrimeLevel(primeLevel, x0.level, "multiplyConstAndSum");
        double[] r = new double[slots];
        double[] var = noise == null ? null : new double[slots];
        double rounding = noise == null ? 0 : noise.constant(chain.prime(primeLevel));
        for (int t = 0; t < xs.size(); t++) {
            double[] x = xs.get(t).v;
            double c = cs[t];
            for (int i = 0; i < slots; i++) {
                r[i] += x[i] * c;
            }
            if (var != null) {
                double[] xv = xs.get(t).noise;
                for (int i = 0; i < slots; i++) {
                    var[i] += c * c * xv[i] + x[i] * x[i] * rounding;
                }
            }
        }
        return track(new Value(r, x0.level, x0.scale * chain.prime(primeLevel), var), "constant products");
    }

    /** The constants' prime must be one the value still has. */
    static void checkPrimeLevel(int primeLevel, int level, String op) {
        if (primeLevel < 0 || primeLevel > level) {
            throw new IllegalArgumentException(op + ": constants at the scale of prime " + primeLevel + ", expected 0 to " + level);
        }
    }

    private static Value terms(List<Value> xs, int others, String op) {
        return checkTerms(xs, others, op, Value::level, Value::scale);
    }

    /**
     * The operand checks of a sum of products, as the evaluator makes them: as many values as
     * factors, at least one, all at one level (above 0) and scale.
     *
     * @return the first value
     */
    static <V> V checkTerms(List<V> xs, int others, String op, java.util.function.ToIntFunction<V> level,
            java.util.function.ToDoubleFunction<V> scale) {
        if (xs.isEmpty() || xs.size() != others) {
            throw new IllegalArgumentException(op + ": needs as many values as factors, got " + xs.size() + " and " + others);
        }
        V x0 = xs.get(0);
        for (V x : xs) {
            sameLevelAndScale(level.applyAsInt(x0), scale.applyAsDouble(x0), level.applyAsInt(x), scale.applyAsDouble(x), op);
        }
        if (level.applyAsInt(x0) < 1) {
            throw new IllegalArgumentException(op + ": the operand is at level 0, no prime is left to rescale the product");
        }
        return x0;
    }

    @Override
    public Value multiply(Value a, Value b) {
        return relinearize(multiplyUnrelinearized(a, b));
    }

    /**
     * The twin holds values, not polynomials: the product is the same, the degree is not tracked;
     * the relinearization's noise comes with {@link #relinearize}.
     */
    @Override
    public Value multiplyUnrelinearized(Value a, Value b) {
        if (a.level != b.level) {
            throw new IllegalArgumentException("multiply: a is at level " + a.level + ", b at level " + b.level);
        }
        double[] r = new double[slots];
        for (int i = 0; i < slots; i++) {
            r[i] = a.v[i] * b.v[i];
        }
        return track(new Value(r, a.level, a.scale * b.scale, productNoise(a, b)), "cipher product");
    }

    @Override
    public Value relinearize(Value x) {
        return noise == null ? x : plus(x, noise.keySwitch(x.level, x.scale));
    }

    @Override
    public Value addConst(Value x, double c) {
        double[] r = new double[slots];
        for (int i = 0; i < slots; i++) {
            r[i] = x.v[i] + c;
        }
        return track(plus(new Value(r, x.level, x.scale, x.noise), noise == null ? 0 : noise.constant(x.scale)), "add constant");
    }

    @Override
    public Value addPlain(Value x, WeightVector w) {
        double[] r = new double[slots];
        double[] b = w.values();
        for (int i = 0; i < slots; i++) {
            r[i] = x.v[i] + b[i];
        }
        return track(plus(new Value(r, x.level, x.scale, x.noise), noise == null ? 0 : noise.encoding(x.scale)), "add plaintext");
    }

    @Override
    public Value rescale(Value x) {
        if (x.level < 1) {
            throw new IllegalArgumentException("rescale: the value is at level 0");
        }
        double scale = x.scale / chain.prime(x.level);
        return plus(new Value(x.v, x.level - 1, scale, x.noise), noise == null ? 0 : noise.rescale(scale));
    }

    @Override
    public Value dropToLevel(Value x, int level) {
        if (level < 0 || level > x.level) {
            throw new IllegalArgumentException("dropToLevel: target " + level + " outside [0, " + x.level + "]");
        }
        return track(new Value(x.v, level, x.scale, x.noise), "drop level");
    }

    @Override
    public <R> List<R> parallel(int count, IntFunction<R> task) {
        List<R> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(task.apply(i));
        }
        return out;
    }

    static void sameLevelAndScale(int la, double sa, int lb, double sb, String op) {
        if (la != lb) {
            throw new IllegalArgumentException(op + ": operands at levels " + la + " and " + lb);
        }
        if (Math.abs(sa - sb) > Math.max(sa, sb) * Evaluator.SCALE_TOLERANCE) {
            throw new IllegalArgumentException(String.format("%s: operands at scales 2^%.6f and 2^%.6f", op,
                    Math.log(sa) / Math.log(2), Math.log(sb) / Math.log(2)));
        }
    }
}
