package io.github.lola4j.ckks;

import io.github.lola4j.format.Progress;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Sampler;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Generates the secret key and, from it, exactly the public and evaluation keys asked for.
 *
 * <p>All randomness comes from the {@link SecureRandom} given here. Uniform key halves are
 * expanded from 32-byte seeds, which the serialized keys store instead of the polynomials. Each
 * relinearization or Galois key draws one 32-byte seed from it and expands everything else the key
 * needs from that seed, so {@link #evaluationKeys(SecretKey, KeyRequirements, Parallelism, Progress)}
 * can generate keys on several threads and still give the bytes one thread would. Thread-safe.
 */
public final class KeyGenerator {

    private final CkksParameters params;
    private final Sampler sampler;

    /**
     * Creates a key generator.
     *
     * @param params the parameter set
     * @param random the source of randomness (a JDK {@code SecureRandom})
     */
    public KeyGenerator(CkksParameters params, SecureRandom random) {
        this.params = Objects.requireNonNull(params, "params");
        this.sampler = new Sampler(Objects.requireNonNull(random, "random"));
    }

    /** The parameter set. */
    public CkksParameters parameters() {
        return params;
    }

    /**
     * Generates a new secret key (uniform ternary, or of the set's fixed Hamming weight).
     *
     * @return the secret key
     */
    public SecretKey secretKey() {
        int n = params.ringDegree();
        SecretDistribution d = params.secretDistribution();
        long[] s = d.isUniformTernary() ? sampler.ternary(n) : sampler.ternaryHammingWeight(n, d.hammingWeight());
        return new SecretKey(params, RnsPoly.fromSigned(params.ringQP(), s, true));
    }

    /**
     * Generates a public key for a secret key.
     *
     * @param sk the secret key
     * @return the public key (b, a) = (-a s + e, a) over Q and P
     */
    public PublicKey publicKey(SecretKey sk) {
        check(sk);
        RnsRing qp = params.ringQP();
        byte[] seed = sampler.newSeed();
        RnsPoly a = uniform(qp, seed, 0);
        RnsPoly b = errorPoly(qp, sampler);
        RnsPoly as = new RnsPoly(qp, true);
        a.mul(sk.poly(), as);
        b.sub(as, b);
        return new PublicKey(params, b, a, seed);
    }

    /**
     * Generates the relinearization key (from s^2 to s) for every level.
     *
     * @param sk the secret key
     * @return the key
     */
    public RelinearizationKey relinearizationKey(SecretKey sk) {
        return relinearizationKey(sk, params.maxLevel());
    }

    /**
     * Generates the relinearization key for products at levels up to a level (smaller below the top
     * level: see {@link SwitchingKey}).
     *
     * @param sk    the secret key
     * @param level the highest level it will relinearize at, in [0, maxLevel]
     * @return the key
     * @throws IllegalArgumentException if level is outside [0, maxLevel]
     */
    public RelinearizationKey relinearizationKey(SecretKey sk, int level) {
        check(sk);
        checkLevel(level);
        return relinearizationKey(sk, level, sampler.newSeed());
    }

    /** The relinearization key whose randomness is all expanded from one task seed. */
    private RelinearizationKey relinearizationKey(SecretKey sk, int level, byte[] taskSeed) {
        Sampler task = Sampler.expanding(taskSeed);
        RnsPoly s2 = new RnsPoly(params.ringQP(), true);
        sk.poly().mul(sk.poly(), s2);
        byte[] seed = task.newSeed();
        RnsPoly[][] ba = switchingKey(sk.poly(), s2, seed, level, task);
        return new RelinearizationKey(params, ba[0], ba[1], seed);
    }

    /**
     * Generates the Galois key of an automorphism X -&gt; X^g for every level (see {@link GaloisKey}
     * for what it switches).
     *
     * @param sk the secret key
     * @param g  the Galois element, odd, in [3, 2N)
     * @return the key
     * @throws IllegalArgumentException if g is not a valid non-trivial Galois element
     */
    public GaloisKey galoisKey(SecretKey sk, long g) {
        return galoisKey(sk, g, params.maxLevel());
    }

    /**
     * Generates the Galois key of an automorphism for ciphertexts at levels up to a level.
     *
     * @param sk    the secret key
     * @param g     the Galois element, odd, in [3, 2N)
     * @param level the highest level it will switch at, in [0, maxLevel]
     * @return the key
     * @throws IllegalArgumentException if g is not a valid non-trivial Galois element or level is
     *                                  outside [0, maxLevel]
     */
    public GaloisKey galoisKey(SecretKey sk, long g, int level) {
        check(sk);
        checkLevel(level);
        long twoN = 2L * params.ringDegree();
        if ((g & 1) == 0 || g <= 1 || g >= twoN) {
            throw new IllegalArgumentException("Galois element must be odd and in [3, " + twoN + "), got " + g);
        }
        return galoisKey(sk, g, level, sampler.newSeed());
    }

    /** The Galois key (g already checked) whose randomness is all expanded from one task seed. */
    private GaloisKey galoisKey(SecretKey sk, long g, int level, byte[] taskSeed) {
        Sampler task = Sampler.expanding(taskSeed);
        long twoN = 2L * params.ringDegree();
        // The key switches s to sigma_g^-1(s): a rotation switches c_1 and then applies sigma_g to the
        // result, which is the same as switching sigma_g(c_1) from sigma_g(s) to s, but reads the digits
        // of c_1 without permuting them (one decomposition serves every step of a hoisted rotation).
        RnsPoly target = new RnsPoly(params.ringQP(), true);
        sk.poly().automorphism(inverseGaloisElement(g, twoN), target);
        byte[] seed = task.newSeed();
        RnsPoly[][] ba = switchingKey(target, sk.poly(), seed, level, task);
        return new GaloisKey(params, g, ba[0], ba[1], seed);
    }

    private void checkLevel(int level) {
        if (level < 0 || level > params.maxLevel()) {
            throw new IllegalArgumentException("a key's level must be in [0, " + params.maxLevel() + "], got " + level);
        }
    }

    /**
     * Generates exactly the evaluation keys a computation requires, each for the levels it is used
     * at.
     *
     * @param sk           the secret key
     * @param requirements what the computation needs
     * @return the keys
     */
    public EvaluationKeys evaluationKeys(SecretKey sk, KeyRequirements requirements) {
        return evaluationKeys(sk, requirements, Progress.none());
    }

    /**
     * Generates exactly the evaluation keys a computation requires, reporting one unit per key (the
     * relinearization key and each Galois key): a plan with a hundred rotations takes tens of
     * seconds. The keys are those {@link #evaluationKeys(SecretKey, KeyRequirements)} would draw
     * from the same randomness.
     *
     * @param sk           the secret key
     * @param requirements what the computation needs
     * @param progress     where to report, as the task "generating keys"
     * @return the keys
     */
    public EvaluationKeys evaluationKeys(SecretKey sk, KeyRequirements requirements, Progress progress) {
        return evaluationKeys(sk, requirements, Parallelism.sequential(), progress);
    }

    /**
     * Generates exactly the evaluation keys a computation requires, the relinearization key and each
     * Galois key as an independent task of {@code parallelism}, reporting one unit per key as each
     * completes.
     *
     * <p>The keys do not depend on the parallelism: the calling thread first draws one 32-byte seed
     * per key from this generator's {@code SecureRandom}, in a fixed order (the relinearization key,
     * then the Galois keys by increasing element), and each task expands its own seed with
     * AES-256-CTR. A seeded {@code SecureRandom} therefore gives byte-identical keys on one thread
     * or many, the same keys {@link #evaluationKeys(SecretKey, KeyRequirements)} gives.
     *
     * @param sk           the secret key
     * @param requirements what the computation needs
     * @param parallelism  where the keys are generated ({@link Parallelism#sequential()}: the
     *                     calling thread)
     * @param progress     where to report, as the task "generating keys" (advanced from the
     *                     pool's threads)
     * @return the keys
     * @throws IllegalArgumentException if the secret key belongs to another parameter set
     */
    public EvaluationKeys evaluationKeys(SecretKey sk, KeyRequirements requirements, Parallelism parallelism,
            Progress progress) {
        check(sk);
        Objects.requireNonNull(requirements, "requirements");
        Objects.requireNonNull(parallelism, "parallelism");
        Objects.requireNonNull(progress, "progress");
        Map<Long, Integer> galois = requirements.galoisLevels(params);
        boolean relinearize = requirements.needsRelinearization();
        int first = relinearize ? 1 : 0;
        int count = galois.size() + first;
        long[] elements = new long[galois.size()];
        int[] levels = new int[galois.size()];
        int k = 0;
        for (Map.Entry<Long, Integer> g : galois.entrySet()) {
            elements[k] = g.getKey();
            levels[k++] = g.getValue();
        }
        // The seeds are drawn here, in key order, so no task touches the shared SecureRandom and the
        // keys cannot depend on which thread runs first.
        byte[][] seeds = new byte[count][];
        for (int i = 0; i < count; i++) {
            seeds[i] = sampler.newSeed();
        }
        int relinLevel = relinearize ? requirements.relinearizationLevel(params) : -1;
        RelinearizationKey[] rlk = new RelinearizationKey[1];
        GaloisKey[] gks = new GaloisKey[galois.size()];
        progress.start("generating keys", count);
        try {
            parallelism.forEach(count, i -> {
                if (i < first) {
                    rlk[0] = relinearizationKey(sk, relinLevel, seeds[i]);
                } else {
                    gks[i - first] = galoisKey(sk, elements[i - first], levels[i - first], seeds[i]);
                }
                progress.advance(1);
            });
            return new EvaluationKeys(params, rlk[0], List.of(gks));
        } finally {
            progress.done();
        }
    }

    /** g^-1 mod 2N for an odd g (setup only). */
    static long inverseGaloisElement(long g, long twoN) {
        return java.math.BigInteger.valueOf(g).modInverse(java.math.BigInteger.valueOf(twoN)).longValueExact();
    }

    /**
     * b_j = -a_j t + e_j + (P mod q_i) s' on the primes of digit j, a key from s' to the target
     * secret t over q_0 .. q_level and P (the digits that meet q_0 .. q_level); returns {b[], a[]}.
     */
    private RnsPoly[][] switchingKey(RnsPoly target, RnsPoly sPrime, byte[] seed, int level, Sampler task) {
        KeySwitcher ks = params.keySwitcher();
        RnsRing qp = ks.ringQP(level);
        RnsPoly t = ks.restrictToLevel(target, level);
        RnsPoly sp = ks.restrictToLevel(sPrime, level);
        int digits = ks.digitsAtLevel(level);
        RnsPoly[] b = new RnsPoly[digits];
        RnsPoly[] a = new RnsPoly[digits];
        for (int j = 0; j < digits; j++) {
            a[j] = uniform(qp, seed, j);
            b[j] = errorPoly(qp, task);
            RnsPoly as = new RnsPoly(qp, true);
            a[j].mul(t, as);
            b[j].sub(as, b[j]);
            for (int i = params.digitStart(j); i < Math.min(params.digitEnd(j), level + 1); i++) {
                Modulus qi = qp.modulus(i);
                long pMod = ks.pModQ(i);
                long pShoup = ks.pModQShoup(i);
                long[] bi = b[j].limb(i);
                long[] si = sp.limb(i);
                for (int c = 0; c < bi.length; c++) {
                    bi[c] = qi.add(bi[c], qi.mulShoup(si[c], pMod, pShoup));
                }
            }
        }
        return new RnsPoly[][] {b, a};
    }

    /** The uniform polynomial of (seed, stream) over a ring, read as NTT form. */
    static RnsPoly uniform(RnsRing ring, byte[] seed, long stream) {
        RnsPoly p = new RnsPoly(ring, true);
        long[][] rows = new long[ring.limbs()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = p.limb(i);
        }
        Sampler.uniformFromSeed(seed, stream, ring.moduli(), rows);
        return p;
    }

    private RnsPoly errorPoly(RnsRing ring, Sampler from) {
        return RnsPoly.fromSigned(ring, from.gaussian(params.ringDegree()), true);
    }

    private void check(SecretKey sk) {
        if (!sk.parameters().equals(params)) {
            throw new IllegalArgumentException("the secret key belongs to another parameter set");
        }
    }
}
