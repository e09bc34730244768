package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.ring.Parallelism;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs single kernels three ways (twin, simulator, ciphertexts) on a small insecure parameter set
 * (N = 2048, 1024 slots, eight 30-bit levels) so that kernel tests are fast; the end-to-end tests
 * use the compiler's 128-bit parameters.
 */
final class LolaTestSupport {

    static final int SLOTS = 1024;
    private static final ConcurrentHashMap<String, CkksParameters> PARAMS = new ConcurrentHashMap<>();
    private static final SecureRandom RND = new SecureRandom();

    private LolaTestSupport() {
    }

    /** N = 2048, q_0 of 50 bits, 8 levels of 30 bits, P of 55 bits, scale 2^30; no security (tests only). */
    static CkksParameters params() {
        return PARAMS.computeIfAbsent("small", k -> CkksParameters.builder().ringDegree(2 * SLOTS)
                .primeBits(50, 30, 30, 30, 30, 30, 30, 30, 30).specialPrimeBits(55).scaleBits(30)
                .securityLevel(SecurityLevel.NONE).build());
    }

    static double[] random(SplittableRandom r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(lo, hi);
        }
        return v;
    }

    /** The result of running one kernel three ways. */
    record Run(double[] twin, double[] decrypted, OpCounts counts, java.util.Set<Integer> predictedSteps,
            java.util.Set<Integer> usedSteps, int twinLevel, int cipherLevel, double twinScale, double cipherScale,
            double simulatedScale, int simulatedLevel, double maxAbsSlotError) {
    }

    /**
     * Runs a kernel on values of its input representation: the twin, the simulator and encrypted, at
     * the top level and default scale.
     *
     * @param k      the kernel
     * @param values the input's true values (the pending factor of k's input is undone first)
     * @return the three results (true values of the output elements)
     */
    static Run run(Kernel k, double[] values) {
        CkksParameters p = params();
        LevelChain chain = LevelChain.of(p);
        int top = p.maxLevel();
        double[] stored = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            stored[i] = (values[i] - k.inBeta()) / k.inAlpha();
        }
        double[][] slots = k.input().pack(stored);
        PlainSlots plain = new PlainSlots(p.slots(), chain);
        List<PlainSlots.Value> pin = new ArrayList<>();
        for (double[] s : slots) {
            pin.add(plain.fresh(s, top, p.defaultScale()));
        }
        List<PlainSlots.Value> pout = k.apply(plain, pin);
        double[][] ps = new double[pout.size()][];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = pout.get(i).v();
        }
        double[] twin = trueValues(k, k.output().unpack(ps));

        CountingSlots sim = new CountingSlots(p.slots(), chain);
        List<CountingSlots.Value> sin = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            sin.add(new CountingSlots.Value(top, p.defaultScale()));
        }
        List<CountingSlots.Value> sout = k.apply(sim, sin);

        KeyRequirements req = (sim.needsRelinearization() ? KeyRequirements.relinearization() : KeyRequirements.none())
                .withRotations(sim.rotationSteps());
        KeyGenerator kg = new KeyGenerator(p, RND);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, req);
        Encoder enc = new Encoder(p);
        Encryptor e = new Encryptor(sk, RND);
        List<Ciphertext> cin = new ArrayList<>();
        for (double[] s : slots) {
            cin.add(e.encrypt(enc.encode(s, top, p.defaultScale())));
        }
        CipherSlots cs = new CipherSlots(p, evk, enc, Parallelism.sequential());
        List<Ciphertext> cout = k.apply(cs, cin);
        Decryptor d = new Decryptor(sk);
        double[][] ds = new double[cout.size()][];
        double maxSlotErr = 0;
        for (int i = 0; i < ds.length; i++) {
            ds[i] = enc.decode(d.decrypt(cout.get(i)));
            for (int u = 0; u < ds[i].length; u++) {
                maxSlotErr = Math.max(maxSlotErr, Math.abs(ds[i][u] - ps[i][u]));
            }
        }
        double[] dec = trueValues(k, k.output().unpack(ds));
        return new Run(twin, dec, sim.counts(), sim.rotationSteps(), cs.usedSteps(), pout.get(0).level(), cout.get(0).level(),
                pout.get(0).scale(), cout.get(0).scale(), sout.get(0).scale(), sout.get(0).level(), maxSlotErr);
    }

    private static double[] trueValues(Kernel k, double[] stored) {
        double[] v = stored.clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = k.outAlpha() * v[i] + k.outBeta();
        }
        return v;
    }

    /** Asserts the three runs agree with each other and with the expected values. */
    static void check(Run r, double[] expected, double twinTolerance, double cipherTolerance) {
        assertEquals(expected.length, r.twin().length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], r.twin()[i], twinTolerance * Math.max(1, Math.abs(expected[i])), "twin value " + i);
            assertEquals(r.twin()[i], r.decrypted()[i], cipherTolerance, "decrypted value " + i);
        }
        assertEquals(r.predictedSteps(), r.usedSteps(), "the simulator's rotation steps are the ones the evaluation used");
        assertEquals(r.simulatedLevel(), r.cipherLevel(), "simulated level");
        assertEquals(r.twinLevel(), r.cipherLevel(), "twin level");
        assertEquals(r.simulatedScale(), r.cipherScale(), 0.0, "simulated scale is exact");
        assertEquals(r.twinScale(), r.cipherScale(), 0.0, "twin scale is exact");
        assertTrue(r.maxAbsSlotError() < cipherTolerance * 100, "every slot, partial sums included, within " + cipherTolerance * 100
                + ": " + r.maxAbsSlotError());
    }
}
