package io.github.lola4j.ckks;

import io.github.lola4j.testkit.SeededRandom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.math.Sampler;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.CkksContext;
import io.github.lola4j.testkit.RecordingProgress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client work spread over threads gives the bytes one thread gives: evaluation keys generated as
 * independent tasks, and encryptions from seeds drawn in order; and those keys and ciphertexts work.
 */
class ParallelClientTest {

    private static final String NAME = "logN=10/L=2/P=1/scale=30/insecure";
    private static final CkksParameters PARAMS = CkksContext.params(NAME);
    private static final KeyRequirements REQ =
            KeyRequirements.relinearization().withRotations(1, 2, -3, 5).withConjugation();

    private static ForkJoinPool two;
    private static ForkJoinPool four;

    @BeforeAll
    static void pools() {
        two = new ForkJoinPool(2);
        four = new ForkJoinPool(4);
    }

    @AfterAll
    static void shutdown() {
        two.shutdown();
        four.shutdown();
    }

    private static byte[] bytes(EvaluationKeys keys) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new CkksSerializer(PARAMS).write(out, keys);
        return out.toByteArray();
    }

    private static byte[] bytes(Ciphertext ct) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new CkksSerializer(PARAMS).write(out, ct);
        return out.toByteArray();
    }

    /** The secret key and the keys of REQ, all from seed 29, on a parallelism. */
    private static Object[] generate(Parallelism par, RecordingProgress progress) throws Exception {
        KeyGenerator kg = new KeyGenerator(PARAMS, SeededRandom.of(29));
        SecretKey sk = kg.secretKey();
        return new Object[] {sk, kg.evaluationKeys(sk, REQ, par, progress)};
    }

    /** A seeded key set read with its expansions spread over threads holds the polynomials one thread expands. */
    @Test
    void seededKeysReadTheSameOnEveryThreadCount() throws Exception {
        KeyGenerator kg = new KeyGenerator(PARAMS, SeededRandom.of(31));
        byte[] seeded = bytes(kg.evaluationKeys(kg.secretKey(), REQ));
        CkksSerializer full = new CkksSerializer(PARAMS, CkksSerializer.Form.FULL);
        byte[] reference = null;
        for (Parallelism par : List.of(Parallelism.sequential(), Parallelism.of(two), Parallelism.of(four))) {
            EvaluationKeys keys = new CkksSerializer(PARAMS).readEvaluationKeys(new java.io.ByteArrayInputStream(seeded), par);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            full.write(out, keys);
            if (reference == null) {
                reference = out.toByteArray();
                assertTrue(reference.length > seeded.length * 3 / 2, "written in full: the expanded halves are compared");
            } else {
                assertArrayEquals(reference, out.toByteArray(), "parallel: " + par.isParallel());
            }
        }
    }

    @Test
    void evaluationKeysAreTheSameOnEveryThreadCount() throws Exception {
        KeyGenerator kg = new KeyGenerator(PARAMS, SeededRandom.of(29));
        byte[] reference = bytes(kg.evaluationKeys(kg.secretKey(), REQ));
        for (Parallelism par : List.of(Parallelism.sequential(), Parallelism.of(two), Parallelism.of(four))) {
            RecordingProgress p = new RecordingProgress();
            EvaluationKeys keys = (EvaluationKeys) generate(par, p)[1];
            assertArrayEquals(reference, bytes(keys), "parallel: " + par.isParallel());
            assertEquals(List.of(new RecordingProgress.Task("generating keys", 6, 6)), p.tasks());
        }
        KeyGenerator other = new KeyGenerator(PARAMS, SeededRandom.of(30));
        assertFalse(Arrays.equals(reference, bytes(other.evaluationKeys(other.secretKey(), REQ))),
                "another seed gives other keys");
    }

    @Test
    void keysGeneratedInParallelRelinearizeRotateAndConjugate() throws Exception {
        Object[] generated = generate(Parallelism.of(four), new RecordingProgress());
        SecretKey sk = (SecretKey) generated[0];
        Evaluator eval = new Evaluator(PARAMS, (EvaluationKeys) generated[1]);
        Encoder encoder = new Encoder(PARAMS);
        Decryptor dec = new Decryptor(sk);
        double[] x = CkksContext.get(NAME).randomValues(3);
        Ciphertext ct = new Encryptor(sk, SeededRandom.of(4)).encrypt(encoder.encode(x));
        int slots = PARAMS.slots();

        double[] sq = encoder.decode(dec.decrypt(eval.rescale(eval.multiplyRelin(ct, ct))));
        double[] r1 = encoder.decode(dec.decrypt(eval.rotate(ct, 1)));
        double[] rm3 = encoder.decode(dec.decrypt(eval.rotate(ct, -3)));
        double[] conj = encoder.decode(dec.decrypt(eval.conjugate(ct)));
        for (int i = 0; i < slots; i++) {
            assertEquals(x[i] * x[i], sq[i], 1e-3, "square, slot " + i);
            assertEquals(x[(i + 1) % slots], r1[i], 1e-3, "rotation by 1, slot " + i);
            assertEquals(x[Math.floorMod(i - 3, slots)], rm3[i], 1e-3, "rotation by -3, slot " + i);
            assertEquals(x[i], conj[i], 1e-3, "conjugation of real values, slot " + i);
        }
    }

    @Test
    void encryptWithSeedIsEncryptWithTheNextSeed() throws Exception {
        KeyGenerator kg = new KeyGenerator(PARAMS, SeededRandom.of(7));
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        Encoder encoder = new Encoder(PARAMS);
        Decryptor dec = new Decryptor(sk);
        double[] x = CkksContext.get(NAME).randomValues(8);
        Plaintext pt = encoder.encode(x);
        for (boolean secret : new boolean[] {true, false}) {
            SecureRandom drawn = SeededRandom.of(9);
            byte[] s1 = new byte[32];
            byte[] s2 = new byte[32];
            drawn.nextBytes(s1);
            drawn.nextBytes(s2);
            Encryptor byRandom = secret ? new Encryptor(sk, SeededRandom.of(9)) : new Encryptor(pk, SeededRandom.of(9));
            Encryptor bySeed = secret ? new Encryptor(sk, SeededRandom.of(99)) : new Encryptor(pk, SeededRandom.of(99));
            Ciphertext c1 = bySeed.encryptWithSeed(pt, s1);
            assertArrayEquals(bytes(byRandom.encrypt(pt)), bytes(c1), "first, secret key: " + secret);
            assertArrayEquals(bytes(byRandom.encrypt(pt)), bytes(bySeed.encryptWithSeed(pt, s2)),
                    "second, secret key: " + secret);
            assertFalse(Arrays.equals(bytes(c1), bytes(bySeed.encryptWithSeed(pt, s2))), "fresh randomness");
            double[] back = encoder.decode(dec.decrypt(c1));
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], back[i], 1e-4, "slot " + i + ", secret key: " + secret);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Encryptor(sk, SeededRandom.of(1)).encryptWithSeed(pt, new byte[16]));
    }

    @Test
    void anExpandingSamplerIsAFunctionOfItsSeedAndKeepsTheDistributions() {
        byte[] seed = new byte[32];
        seed[0] = 1;
        Sampler a = Sampler.expanding(seed);
        Sampler b = Sampler.expanding(seed);
        assertArrayEquals(a.newSeed(), b.newSeed());
        long[] ta = a.ternary(1 << 14);
        assertArrayEquals(ta, b.ternary(1 << 14));
        long[] ga = a.gaussian(1 << 14);
        assertArrayEquals(ga, b.gaussian(1 << 14));
        seed[0] = 2;
        assertFalse(Arrays.equals(ta, Sampler.expanding(seed).ternary(1 << 14)), "another seed, other draws");

        int[] counts = new int[3];
        for (long v : ta) {
            counts[(int) v + 1]++;
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - ta.length / 3.0) < 400, Arrays.toString(counts)); // > 6 sigma
        }
        double sum = 0;
        double squares = 0;
        for (long v : ga) {
            assertTrue(Math.abs(v) <= Sampler.GAUSSIAN_BOUND);
            sum += v;
            squares += (double) v * v;
        }
        assertEquals(0, sum / ga.length, 0.2);
        assertEquals(Sampler.SIGMA, Math.sqrt(squares / ga.length), 0.15);
        long[] h = a.ternaryHammingWeight(1 << 10, 64);
        assertEquals(64, Arrays.stream(h).filter(v -> v != 0).count());
    }
}
