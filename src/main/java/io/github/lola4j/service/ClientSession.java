package io.github.lola4j.service;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;

/**
 * One client's use of one hosted model: the client plan, the secret key (generated here and never
 * sent; cached on disk when a {@link ClientKeyCache} is given), and the key id of the evaluation
 * keys registered once with the server. {@link #predict} encrypts, calls the server and
 * decrypts; when the server has forgotten the keys (expired, restarted) it registers them again
 * and retries once. Not thread-safe: use one session per thread.
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
    private final SecretKey sk;
    private final ClientKeyCache cache;
    private final SecureRandom random;
    private Setup setup;
    private KeyId keyId;

    private ClientSession(PredictionClient client, String model, ClientPlan plan, SecretKey sk, ClientKeyCache cache,
            SecureRandom random, KeyId keyId) {
        this.client = client;
        this.model = model;
        this.plan = plan;
        this.sk = sk;
        this.cache = cache;
        this.random = random;
        this.keyId = keyId;
    }

    /**
     * Opens a session: fetches the model's client plan, takes the secret key and key id from the
     * cache or makes and registers them.
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
        Objects.requireNonNull(random, "random");
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
        Optional<SecretKey> cached = cache == null ? Optional.empty() : cache.secretKey(client.server(), plan);
        Optional<KeyId> id = cached.isPresent() ? cache.keyId(client.server(), plan) : Optional.empty();
        double keygen = 0;
        double register = 0;
        long keyBytes = 0;
        SecretKey sk;
        if (cached.isPresent()) {
            sk = cached.get();
        } else {
            long k0 = System.nanoTime();
            sk = new KeyGenerator(plan.parameters(), random).secretKey();
            keygen = (System.nanoTime() - k0) * 1e-9;
            if (cache != null) {
                cache.storeSecretKey(client.server(), plan, sk);
            }
        }
        ClientSession s = new ClientSession(client, model, plan, sk, cache, random, id.orElse(null));
        if (id.isEmpty()) {
            long k0 = System.nanoTime();
            EvaluationKeys evk = s.evaluationKeys();
            keygen += (System.nanoTime() - k0) * 1e-9;
            long r0 = System.nanoTime();
            keyBytes = s.register(evk);
            register = (System.nanoTime() - r0) * 1e-9;
        }
        s.setup = new Setup(planSeconds, fetched.bytes(), keygen, register, keyBytes, cached.isPresent());
        return s;
    }

    private EvaluationKeys evaluationKeys() {
        return new KeyGenerator(plan.parameters(), random).evaluationKeys(sk, plan.keyRequirements());
    }

    private long register(EvaluationKeys evk) throws IOException {
        PredictionClient.Registration r = client.registerKeys(model, evk);
        keyId = r.keyId();
        if (cache != null) {
            cache.storeKeyId(client.server(), plan, keyId);
        }
        return r.bytesSent();
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
     * Encrypts an input, has the server evaluate it, and decrypts the scores.
     *
     * @param input the network input, preprocessed ({@code plan().inputShape().size()} values)
     * @return the scores and the costs
     * @throws IOException on a network failure or an error answer
     */
    public Result predict(double[] input) throws IOException {
        long t0 = System.nanoTime();
        EncryptedTensor x = plan.encryptInput(input, sk, random);
        double encrypt = (System.nanoTime() - t0) * 1e-9;
        long extra = 0;
        boolean again = false;
        PredictionClient.Prediction p;
        try {
            p = client.predict(model, keyId, plan, x);
        } catch (ServiceException e) {
            if (e.status() != 404 || !e.code().equals("unknown_key_id")) {
                throw e;
            }
            if (cache != null) {
                cache.forgetKeyId(client.server(), plan);
            }
            extra = register(evaluationKeys());
            again = true;
            p = client.predict(model, keyId, plan, x);
        }
        long d0 = System.nanoTime();
        double[] scores = plan.decryptOutput(p.output(), sk);
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
