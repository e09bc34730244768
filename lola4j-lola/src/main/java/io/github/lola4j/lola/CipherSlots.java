package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.Plaintext;
import io.github.lola4j.ring.Parallelism;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.IntFunction;

/**
 * The slot operations on ciphertexts, through one {@link Evaluator}. Rotations use exact keys only:
 * a step without its Galois key fails naming the step, instead of being composed from other keys
 * at a hidden cost. Thread-safe; {@link #parallel} spreads tasks over the {@link Parallelism}.
 */
final class CipherSlots implements SlotOps<Ciphertext> {

    private final CkksParameters params;
    private final Evaluator evaluator;
    private final Encoder encoder;
    private final EvaluationKeys keys;
    private final Parallelism par;
    private final Set<Integer> usedSteps = new ConcurrentSkipListSet<>();

    CipherSlots(CkksParameters params, EvaluationKeys keys, Encoder encoder, Parallelism par) {
        this.params = params;
        this.keys = keys;
        this.encoder = encoder;
        this.par = par;
        this.evaluator = new Evaluator(params, keys, par);
    }

    /** The rotation steps used so far, normalized to [1, S). */
    Set<Integer> usedSteps() {
        return usedSteps;
    }

    private int requireKey(int steps, String op) {
        int k = Math.floorMod(steps, params.slots());
        if (k != 0 && !keys.hasGaloisKey(params.galoisElementForRotation(k))) {
            throw new IllegalStateException(op + ": no Galois key for a rotation by " + k
                    + " (the plan's KeyRequirements name it; generate the keys from plan.keyRequirements())");
        }
        return k;
    }

    @Override
    public int slots() {
        return params.slots();
    }

    @Override
    public int level(Ciphertext x) {
        return x.level();
    }

    @Override
    public double scale(Ciphertext x) {
        return x.scale();
    }

    @Override
    public Ciphertext rotate(Ciphertext x, int steps) {
        int k = requireKey(steps, "rotate");
        if (k == 0) {
            return x;
        }
        usedSteps.add(k);
        return evaluator.rotate(x, k);
    }

    @Override
    public List<Ciphertext> rotateHoisted(Ciphertext x, int[] steps) {
        int[] k = new int[steps.length];
        for (int i = 0; i < steps.length; i++) {
            k[i] = requireKey(steps[i], "rotateHoisted");
            if (k[i] != 0) {
                usedSteps.add(k[i]);
            }
        }
        if (k.length == 1) {
            return List.of(k[0] == 0 ? x : evaluator.rotate(x, k[0]));
        }
        return Arrays.asList(evaluator.rotateHoisted(x, k));
    }

    @Override
    public Ciphertext add(Ciphertext a, Ciphertext b) {
        return evaluator.add(a, b);
    }

    @Override
    public Ciphertext multiplyPlainAndSum(List<Ciphertext> xs, List<WeightVector> ws) {
        int level = xs.get(0).level();
        double scale = params.prime(level);
        Ciphertext[] c = xs.toArray(new Ciphertext[0]);
        Plaintext[] p = new Plaintext[ws.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = ws.get(i).encodeForProducts(encoder, level, scale);
        }
        return evaluator.multiplyPlainAndSum(c, p);
    }

    @Override
    public Ciphertext multiplyConstAndSum(List<Ciphertext> xs, double[] cs, int primeLevel) {
        return evaluator.multiplyConstAndSum(xs.toArray(new Ciphertext[0]), cs, params.prime(primeLevel));
    }

    @Override
    public List<Ciphertext> linearCombinations(List<Ciphertext> xs, int[][] columns, double[][] weights, int primeLevel) {
        return List.of(evaluator.linearCombinations(xs.toArray(new Ciphertext[0]), columns, weights, params.prime(primeLevel)));
    }

    @Override
    public Ciphertext multiply(Ciphertext a, Ciphertext b) {
        return evaluator.multiplyRelin(a, b);
    }

    @Override
    public Ciphertext multiplyUnrelinearized(Ciphertext a, Ciphertext b) {
        return evaluator.multiply(a, b);
    }

    @Override
    public Ciphertext relinearize(Ciphertext x) {
        return x.degree() == 1 ? x : evaluator.relinearize(x);
    }

    @Override
    public Ciphertext addConst(Ciphertext x, double c) {
        return evaluator.addConst(x, c);
    }

    @Override
    public Ciphertext addPlain(Ciphertext x, WeightVector w) {
        return evaluator.addPlain(x, w.encode(encoder, x.level(), x.scale()));
    }

    @Override
    public Ciphertext rescale(Ciphertext x) {
        return evaluator.rescale(x);
    }

    @Override
    public Ciphertext dropToLevel(Ciphertext x, int level) {
        return evaluator.dropToLevel(x, level);
    }

    @Override
    public <R> List<R> parallel(int count, IntFunction<R> task) {
        Object[] out = new Object[count];
        par.forEach(count, i -> out[i] = task.apply(i));
        List<R> r = new ArrayList<>(count);
        for (Object o : out) {
            @SuppressWarnings("unchecked")
            R v = (R) o;
            r.add(v);
        }
        return r;
    }
}
