package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Runs a kernel on levels and scales only, encoding every weight vector it would use at the level
 * and scale the encrypted run uses it at ({@link Plan#prepare()}): afterwards an evaluation finds
 * every plaintext in the cache.
 */
final class PreparingSlots implements SlotOps<PreparingSlots.Value> {

    /**
     * A simulated value.
     *
     * @param level the level
     * @param scale the scale
     */
    record Value(int level, double scale) {
    }

    private final CkksParameters params;
    private final Encoder encoder;

    PreparingSlots(CkksParameters params, Encoder encoder) {
        this.params = params;
        this.encoder = encoder;
    }

    @Override
    public int slots() {
        return params.slots();
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
        return x;
    }

    @Override
    public List<Value> rotateHoisted(Value x, int[] steps) {
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            out.add(x);
        }
        return out;
    }

    @Override
    public Value add(Value a, Value b) {
        return a;
    }

    @Override
    public Value multiplyPlainAndSum(List<Value> xs, List<WeightVector> ws) {
        Value x = xs.get(0);
        double q = params.prime(x.level);
        for (WeightVector w : ws) {
            w.encode(encoder, x.level, q);
        }
        return new Value(x.level, x.scale * q);
    }

    @Override
    public Value multiplyConstAndSum(List<Value> xs, double[] cs) {
        Value x = xs.get(0);
        return new Value(x.level, x.scale * params.prime(x.level));
    }

    @Override
    public Value multiply(Value a, Value b) {
        return new Value(a.level, a.scale * b.scale);
    }

    @Override
    public Value addConst(Value x, double c) {
        return x;
    }

    @Override
    public Value addPlain(Value x, WeightVector w) {
        w.encode(encoder, x.level, x.scale);
        return x;
    }

    @Override
    public Value rescale(Value x) {
        return new Value(x.level - 1, x.scale / params.prime(x.level));
    }

    @Override
    public Value dropToLevel(Value x, int level) {
        return new Value(level, x.scale);
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
