package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.input;
import static io.github.lola4j.service.ServiceTestSupport.plan;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.SeededRandom;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session opened with a {@link Parallelism} of two threads: it does use the pool, and with the
 * same seeded randomness it uploads the same keys and gets the same predictions, bit for bit, as a
 * sequential session and as the library's own sequential key generation and encryption.
 */
class ClientSessionParallelismTest {

    private static final String MODEL = "lola-small";
    private static final long SEED = 20_261_202L;

    @TempDir
    Path tmp;
    private PredictionServer server;
    private PredictionClient client;

    @BeforeEach
    void start() throws IOException {
        server = ServiceTestSupport.quietServer(MODEL);
        client = new PredictionClient(server.uri(), null, Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What a session left behind: its cache record (secret key, key id, digest of the uploaded keys) and its scores. */
    private record Run(ClientKeyCache.Entry entry, List<double[]> scores) {
    }

    private Run run(String name, Parallelism parallelism) throws Exception {
        ClientKeyCache cache = new ClientKeyCache(tmp.resolve(name));
        ClientSession s = ClientSession.open(client, MODEL, cache, SeededRandom.of(SEED), parallelism, false);
        assertFalse(s.setup().cachedKeys(), name + ": new keys");
        assertTrue(s.setup().keyBytesSent() > 0, name + ": keys uploaded");
        List<double[]> scores = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ClientSession.Result r = s.predict(input(MODEL, i));
            assertFalse(r.reregistered(), name);
            scores.add(r.scores());
        }
        return new Run(cache.read(client.server(), s.plan()).orElseThrow(), scores);
    }

    private static byte[] secretKeyBytes(ClientPlan cp, SecretKey sk) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new CkksSerializer(cp.parameters()).writeSecretKey(b, sk);
        return b.toByteArray();
    }

    @Test
    void twoThreadsUploadTheSameKeysAndGetTheSamePredictionsAsOne() throws Exception {
        AtomicInteger workers = new AtomicInteger();
        ForkJoinPool pool = new ForkJoinPool(2, p -> {
            workers.incrementAndGet();
            return ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        }, null, false);
        Run parallel;
        try {
            parallel = run("two-threads", Parallelism.of(pool));
        } finally {
            pool.shutdown();
        }
        assertTrue(workers.get() > 0, "the session's key generation and encryption ran on the pool");
        Run sequential = run("one-thread", Parallelism.sequential());

        // The same draws made sequentially by the library: secret key, evaluation keys, then one
        // encryption per prediction, in the order the session makes them.
        Plan local = plan(MODEL);
        ClientPlan cp = client.clientPlan(MODEL);
        SecureRandom rnd = SeededRandom.of(SEED);
        KeyGenerator kg = new KeyGenerator(cp.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, cp.keyRequirements());
        KeysDigest expected = KeysDigest.of(new CkksSerializer(cp.parameters()).toBytes(evk));

        for (Run r : List.of(parallel, sequential)) {
            assertArrayEquals(secretKeyBytes(cp, sk), secretKeyBytes(cp, r.entry().secretKey()), "the same secret key");
            // the digest the server computed over the bytes it received and echoed: the same upload
            assertEquals(expected, r.entry().keysDigest(), "the same evaluation key bytes uploaded");
        }
        assertFalse(parallel.entry().keyId().equals(sequential.entry().keyId()), "two registrations, two ids");
        for (int i = 0; i < 3; i++) {
            EncryptedTensor x = cp.encryptInput(input(MODEL, i), sk, rnd);
            // the server's evaluation is the local one bit for bit (PredictionServiceTest), so equal
            // scores here mean the sessions sent these ciphertexts
            double[] want = cp.decryptOutput(local.evaluate(x, evk), sk);
            assertArrayEquals(want, sequential.scores().get(i), 0.0, "image " + i + ", one thread");
            assertArrayEquals(want, parallel.scores().get(i), 0.0, "image " + i + ", two threads");
        }
    }
}
