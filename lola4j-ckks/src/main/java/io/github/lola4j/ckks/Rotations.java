package io.github.lola4j.ckks;

import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slot rotations and conjugation for one set of evaluation keys: exact-key rotations, rotations
 * composed from the available keys (shortest sequence, found by breadth-first search over the
 * steps and cached), and hoisted rotations sharing one ModUp. Thread-safe.
 */
final class Rotations {

    private final CkksParameters params;
    private final EvaluationKeys keys;
    private final KeySwitcher ks;
    private final Parallelism par;
    private final Map<Integer, int[]> paths = new ConcurrentHashMap<>();

    Rotations(CkksParameters params, EvaluationKeys keys, KeySwitcher ks, Parallelism par) {
        this.params = params;
        this.keys = keys;
        this.ks = ks;
        this.par = par;
    }

    /** rotate(ct, steps), composed when the exact key is absent; a fresh ciphertext. */
    Ciphertext rotate(Ciphertext ct, int steps) {
        requireDegree1(ct, "rotate");
        int k = Math.floorMod(steps, params.slots());
        if (k == 0) {
            return new Ciphertext(new RnsPoly[] {ct.poly(0).copy(), ct.poly(1).copy()}, ct.scale());
        }
        Ciphertext cur = ct;
        for (int step : path(k)) {
            long g = params.galoisElementForRotation(step);
            cur = rotateSingle(cur, g, keys.galoisKey(g));
        }
        return cur;
    }

    int cost(int steps) {
        int k = Math.floorMod(steps, params.slots());
        return k == 0 ? 0 : path(k).length;
    }

    Ciphertext conjugate(Ciphertext ct) {
        requireDegree1(ct, "conjugate");
        long g = params.galoisElementForConjugation();
        GaloisKey key = keys.galoisKey(g);
        if (key == null) {
            throw new IllegalStateException("conjugate: no conjugation key; request it with KeyRequirements.withConjugation()");
        }
        return rotateSingle(ct, g, key);
    }

    /** One automorphism with its key: switch c_1, then apply sigma_g (see {@link GaloisKey}). */
    private Ciphertext rotateSingle(Ciphertext ct, long g, GaloisKey key) {
        return applyAutomorphism(ct, g, ks.switchKey(ct.poly(1), key, limbParallelism(ct)));
    }

    Ciphertext[] rotateHoisted(Ciphertext ct, int[] steps) {
        requireDegree1(ct, "rotateHoisted");
        Ciphertext[] out = new Ciphertext[steps.length];
        GaloisKey[] keyOf = new GaloisKey[steps.length];
        boolean any = false;
        for (int i = 0; i < steps.length; i++) {
            int k = Math.floorMod(steps[i], params.slots());
            keyOf[i] = k == 0 ? null : keys.galoisKey(params.galoisElementForRotation(k));
            any |= keyOf[i] != null;
        }
        Parallelism inner = limbParallelism(ct);
        RnsPoly[] digits = any ? ks.modUp(ct.poly(1), inner) : null;
        // The steps share the decomposition and nothing else: with several threads they run side by
        // side (each key switch also splits over limbs, which alone leaves a second core half idle).
        par.forEach(steps.length, i -> {
            out[i] = keyOf[i] == null ? rotate(ct, steps[i])
                    : applyAutomorphism(ct, keyOf[i].galoisElement(), ks.switchDigits(digits, keyOf[i], ct.level(), inner));
        });
        return out;
    }

    /** The parallelism of one key switch of ct: over limbs and digits only when they are large enough. */
    private Parallelism limbParallelism(Ciphertext ct) {
        return par.forSize((long) ct.poly(1).limbs() * ct.poly(1).ringDegree());
    }

    /**
     * (sigma_g(c_0 + s_0), sigma_g(s_1)) for the key switch (s_0, s_1) of c_1: it decrypts under s to
     * sigma_g of what ct decrypts to, because s_0 + s_1 sigma_g^-1(s) ~ c_1 s.
     */
    private Ciphertext applyAutomorphism(Ciphertext ct, long g, RnsPoly[] s) {
        ct.poly(0).add(s[0], s[0]);
        RnsPoly c0 = new RnsPoly(s[0].ring(), true);
        RnsPoly c1 = new RnsPoly(s[1].ring(), true);
        s[0].automorphism(g, c0);
        s[1].automorphism(g, c1);
        return new Ciphertext(new RnsPoly[] {c0, c1}, ct.scale());
    }

    /** The shortest sequence of available rotation steps (as N/2-residues) summing to k. */
    private int[] path(int k) {
        int[] cached = paths.get(k);
        if (cached != null) {
            return cached;
        }
        int slots = params.slots();
        if (keys.hasGaloisKey(params.galoisElementForRotation(k))) {
            int[] p = {k};
            paths.put(k, p);
            return p;
        }
        int[] available = availableSteps();
        int[] prev = new int[slots];
        int[] via = new int[slots];
        Arrays.fill(prev, -1);
        prev[0] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        while (!queue.isEmpty() && prev[k] < 0) {
            int x = queue.poll();
            for (int s : available) {
                int y = (x + s) % slots;
                if (prev[y] < 0) {
                    prev[y] = x;
                    via[y] = s;
                    queue.add(y);
                }
            }
        }
        if (prev[k] < 0) {
            throw new IllegalStateException("rotate: no Galois key for a rotation by " + k + " and the available rotation keys "
                    + Arrays.toString(available) + " cannot compose it; request it with KeyRequirements.withRotations(" + k + ")");
        }
        int len = 0;
        for (int y = k; y != 0; y = prev[y]) {
            len++;
        }
        int[] path = new int[len];
        int i = len;
        for (int y = k; y != 0; y = prev[y]) {
            path[--i] = via[y];
        }
        paths.put(k, path);
        return path;
    }

    /** The rotation steps of the available Galois keys (discrete logarithms base 5 mod 2N). */
    private int[] availableSteps() {
        int slots = params.slots();
        long twoN = 2L * params.ringDegree();
        Map<Long, Integer> log = new HashMap<>();
        long g = 1;
        for (int s = 0; s < slots; s++) {
            log.put(g, s);
            g = g * 5 % twoN;
        }
        int[] out = new int[keys.galoisKeys().size()];
        int n = 0;
        for (long e : keys.galoisKeys().keySet()) {
            Integer s = log.get(e);
            if (s != null && s != 0) {
                out[n++] = s;
            }
        }
        return Arrays.copyOf(out, n);
    }

    static void requireDegree1(Ciphertext ct, String op) {
        if (ct.degree() != 1) {
            throw new IllegalArgumentException(op + ": the ciphertext has degree " + ct.degree() + "; relinearize first");
        }
    }
}
