package io.github.lola4j.service;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.format.Progress;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.ResultOutOfRangeException;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;

/**
 * One client's use of one hosted model: the client plan, the secret key (generated here and never
 * sent; cached on disk when a {@link ClientKeyCache} is given), and the key id and digest of the
 * evaluation keys registered once with the server, held as one unit. {@link #predict} encrypts,
 * calls the server with the id and the digest, and decrypts with the range check; when the server
 * has forgotten the keys (expired, restarted) or holds other keys under the id, it registers them
 * again and retries once. Not thread-safe: use one session per thread (sessions of several threads
 * or processes may share one cache folder).
 *
 * <p>A session opened with a {@link Parallelism} generates its evaluation keys (at opening and at a
 * re-registration) and encrypts each input on it; everything else (the server calls, the cache, the
 * decryption, every draw from the session's {@code SecureRandom}) runs on the calling thread. The
 * keys, the ciphertexts and so the predictions do not depend on the thread count.
 */
public final class ClientSession {

    /**
     * What opening the session cost.
     *
     * @param planSeconds     fetching and checking the client plan
     * @param planBytes       the client plan's size
     * @param keygenSeconds   generating keys (0 when the cache had them)
     * @param registerSeconds uploading the evaluation keys (0 when the cache had an id)
     * @param keyBytesSent    the size of that upload (0 when none)
     * @param cachedKeys      whether the secret key came from the cache
     */
    public record Setup(double planSeconds, long planBytes, double keygenSeconds, double registerSeconds, long keyBytesSent, boolean cachedKeys) {
    }

    /**
     * One prediction.
     *
     * @param scores         the decrypted outputs
     * @param prediction     the index of the largest score
     * @param encryptSeconds encrypting and serializing the input
     * @param seconds        the round trip to the server
     * @param serverSeconds  the server's evaluation time
     * @param decryptSeconds decrypting the result
     * @param bytesSent      the request body (plus any key upload this call needed)
     * @param bytesReceived  the response body
     * @param reregistered   whether the keys had to be uploaded again
     */
    public record Result(double[] scores, int prediction, double encryptSeconds, double seconds, double serverSeconds,
            double decryptSeconds, long bytesSent, long bytesReceived, boolean reregistered) {
        /** Copies the scores. */
        public Result {
            scores = scores.clone();
        }

        /** The scores (a copy). */
        @Override
        public double[] scores() {
            return scores.clone();
        }
    }

    private final PredictionClient client;
    private final String model;
    private final ClientPlan plan;
    private final ClientKeyCache cache;
    private final SecureRandom random;
    private final Parallelism parallelism;
    private Setup setup;
    /** The secret key, key id and keys digest: replaced only whole, so they always belong together. */
    private ClientKeyCache.Entry keys;

    private ClientSession(PredictionClient client, String model, ClientPlan plan, ClientKeyCache cache, SecureRandom random,
            Parallelism parallelism) {
        this.client = client;
        this.model = model;
        this.plan = plan;
        this.cache = cache;
        this.random = random;
        this.parallelism = parallelism;
    }

    /**
     * Opens a session: fetches the model's client plan, takes the keys from the cache or makes and
     * registers them. With a cache, this happens under the entry's lock, so that processes and
     * threads sharing the cache neither register twice nor mix one's secret key with another's id.
     * Keys are generated and inputs encrypted on the calling thread; see
     * {@link #open(PredictionClient, String, ClientKeyCache, SecureRandom, Parallelism, boolean)}.
     *
     * @param client        the server connection
     * @param model         the model name
     * @param cache         where keys persist between runs, or null to keep them in memory only
     * @param random        the randomness of keys and encryptions
     * @param allowInsecure accept a plan whose parameters skip the 128-bit security check (tests only)
     * @return the session
     * @throws IOException on a network failure, an error answer, an insecure plan or an unreadable cache
     */
    public static ClientSession open(PredictionClient client, String model, ClientKeyCache cache, SecureRandom random,
            boolean allowInsecure) throws IOException {
        return open(client, model, cache, random, Parallelism.sequential(), allowInsecure);
    }

    /**
     * Opens a session as {@link #open(PredictionClient, String, ClientKeyCache, SecureRandom, boolean)}
     * does, generating the evaluation keys (each key a task) and encrypting every input of
     * {@link #predict} (each ciphertext a task) on {@code parallelism}. The seeds of those tasks are
     * drawn from {@code random} on the calling thread in a fixed order, so a session on any number of
     * threads uploads the same keys and sends the same ciphertexts as a sequential one with the same
     * randomness, and gets the same predictions. The session keeps {@code parallelism} for
     * {@link #predict}: its pool, which the caller owns, must stay open while the session is used.
     *
     * @param client        the server connection
     * @param model         the model name
     * @param cache         where keys persist between runs, or null to keep them in memory only
     * @param random        the randomness of keys and encryptions (read on the calling thread only)
     * @param parallelism   where keys are generated and inputs encrypted ({@link Parallelism#sequential()}:
     *                      the calling thread)
     * @param allowInsecure accept a plan whose parameters skip the 128-bit security check (tests only)
     * @return the session
     * @throws IOException on a network failure, an error answer, an insecure plan or an unreadable cache
     */
    public static ClientSession open(PredictionClient client, String model, ClientKeyCache cache, SecureRandom random,
            Parallelism parallelism, boolean allowInsecure) throws IOException {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(parallelism, "parallelism");
        long t0 = System.nanoTime();
        PredictionClient.FetchedPlan fetched = client.fetchPlan(model);
        ClientPlan plan = fetched.plan();
        if (plan.parameters().securityLevel() == SecurityLevel.NONE && !allowInsecure) {
            throw new IOException("the server's plan for '" + model + "' uses parameters without a security level (checked"
                    + " against no HE Standard table); refusing to encrypt under them");
        }
        if (plan.isBatch()) {
            throw new IOException("model '" + model + "' is a batch plan; a session sends one input at a time");
        }
        double planSeconds = (System.nanoTime() - t0) * 1e-9;
        ClientSession s = new ClientSession(client, model, plan, cache, random, parallelism);
        Registered r;
        if (cache == null) {
            r = s.makeAndRegister(null);
        } else {
            ClientKeyCache.Lock lock = cache.lock(client.server(), plan);
            try {
                Optional<ClientKeyCache.Entry> cached = cache.read(client.server(), plan);
                r = cached.isPresent() ? new Registered(cached.get(), 0, 0, 0, true) : s.makeAndRegister(null);
            } finally {
                lock.close();
            }
        }
        s.keys = r.entry;
        s.setup = new Setup(planSeconds, fetched.bytes(), r.keygenSeconds, r.registerSeconds, r.bytesSent, r.cached);
        return s;
    }

    /** Keys in use and what getting them cost. */
    private record Registered(ClientKeyCache.Entry entry, double keygenSeconds, double registerSeconds, long bytesSent,
            boolean cached) {
    }

    /**
     * Makes evaluation keys from a secret key (a new one when null), registers them and stores the
     * three as one cache record. The caller holds the entry's lock when there is a cache.
     */
    private Registered makeAndRegister(SecretKey existing) throws IOException {
        long k0 = System.nanoTime();
        KeyGenerator kg = new KeyGenerator(plan.parameters(), random);
        SecretKey sk = existing != null ? existing : kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements(), parallelism, Progress.none());
        double keygen = (System.nanoTime() - k0) * 1e-9;
        long r0 = System.nanoTime();
        PredictionClient.Registration reg = client.registerKeys(model, evk);
        double register = (System.nanoTime() - r0) * 1e-9;
        ClientKeyCache.Entry e = new ClientKeyCache.Entry(sk, reg.keyId(), reg.keysDigest());
        if (cache != null) {
            cache.store(client.server(), plan, e);
        }
        return new Registered(e, keygen, register, reg.bytesSent(), false);
    }

    /**
     * After the server refused our key id (forgotten, or other keys behind it): under the cache
     * lock, adopts a registration another process made meanwhile for the same secret key, or
     * registers this session's keys again. Returns the upload's size (0 when adopted).
     */
    private long reregister(ClientKeyCache.Entry refused) throws IOException {
        if (cache == null) {
            Registered r = makeAndRegister(refused.secretKey());
            keys = r.entry;
            return r.bytesSent;
        }
        ClientKeyCache.Lock lock = cache.lock(client.server(), plan);
        try {
            Optional<ClientKeyCache.Entry> now = cache.read(client.server(), plan);
            if (now.isPresent() && !now.get().keyId().equals(refused.keyId())
                    && sameSecretKey(now.get().secretKey(), refused.secretKey())) {
                keys = now.get();
                return 0;
            }
            Registered r = makeAndRegister(refused.secretKey());
            keys = r.entry;
            return r.bytesSent;
        } finally {
            lock.close();
        }
    }

    private boolean sameSecretKey(SecretKey a, SecretKey b) throws IOException {
        CkksSerializer ser = new CkksSerializer(plan.parameters());
        java.io.ByteArrayOutputStream x = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream y = new java.io.ByteArrayOutputStream();
        ser.writeSecretKey(x, a);
        ser.writeSecretKey(y, b);
        return java.security.MessageDigest.isEqual(x.toByteArray(), y.toByteArray());
    }

    /** The model's client plan. */
    public ClientPlan plan() {
        return plan;
    }

    /** What opening cost. */
    public Setup setup() {
        return setup;
    }

    /**
     * Encrypts an input (on the session's parallelism), has the server evaluate it, and decrypts the
     * scores (on the calling thread). When the server no longer knows the key id (expired, restarted:
     * 404) or holds other keys under it than this session's (409), the keys are registered again
     * (generated on the session's parallelism) and the request repeated once.
     *
     * @param input the network input, preprocessed ({@code plan().inputShape().size()} values)
     * @return the scores and the costs
     * @throws IOException               on a network failure or an error answer
     * @throws ResultOutOfRangeException when the result does not decrypt to values a correct
     *                                   evaluation can give (another key's result, corruption or overflow)
     */
    public Result predict(double[] input) throws IOException {
        ClientKeyCache.Entry k = keys;
        long t0 = System.nanoTime();
        EncryptedTensor x = plan.encryptInput(input, k.secretKey(), random, parallelism, Progress.none());
        double encrypt = (System.nanoTime() - t0) * 1e-9;
        long extra = 0;
        boolean again = false;
        PredictionClient.Prediction p;
        try {
            p = client.predict(model, k.keyId(), k.keysDigest(), plan, x);
        } catch (ServiceException e) {
            boolean forgotten = e.status() == 404 && e.code().equals("unknown_key_id");
            boolean otherKeys = e.status() == 409 && e.code().equals("keys_mismatch");
            if (!forgotten && !otherKeys) {
                throw e;
            }
            extra = reregister(k);
            again = true;
            k = keys;
            p = client.predict(model, k.keyId(), k.keysDigest(), plan, x);
        }
        long d0 = System.nanoTime();
        double[] scores = plan.decryptOutput(p.output(), k.secretKey());
        double decrypt = (System.nanoTime() - d0) * 1e-9;
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return new Result(scores, best, encrypt, p.seconds(), p.serverSeconds(), decrypt, p.bytesSent() + extra, p.bytesReceived(),
                again);
    }
}
