package io.github.lola4j.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * The prediction service: an HTTP(S) server (the JDK's {@code com.sun.net.httpserver}) hosting
 * compiled models. Clients upload their evaluation keys once and then send encrypted inputs; the
 * server evaluates the plan on the ciphertexts and returns the encrypted result. It never holds
 * or accepts a secret key (no type of it takes one; a secret-key object sent as keys is refused
 * by the deserializer), and it never decrypts.
 *
 * <p>Endpoints ({@link Protocol}): {@code GET /v1/health}, {@code GET /v1/metrics},
 * {@code GET /v1/models}, {@code GET /v1/models/NAME/plan}, {@code POST|DELETE /v1/keys},
 * {@code POST /v1/predict}. Errors are JSON {@code {"error":{"status","code","message"}}} with a
 * 4xx status for anything a client did wrong; an internal failure is a 500 whose body says only
 * that, with the detail in the server's log. No response carries a stack trace or a key id.
 *
 * <p>Concurrency: at most {@link Config#maxConcurrent} evaluations run at once; up to
 * {@link Config#queueCapacity} more wait; beyond that a request gets 503 with
 * {@code Retry-After}. {@link #close()} stops admitting requests (503 while draining), waits
 * for those in flight, then stops. Thread-safe.
 */
public final class PredictionServer implements AutoCloseable {

    /**
     * How a server runs. Defaults: loopback port 8080, as many concurrent evaluations as
     * processors, a queue of 16, 2 concurrent key uploads, keys expire after 1 hour without use,
     * a key budget of half the maximum heap, 30 s to drain, no TLS.
     */
    public static final class Config {
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 8080);
        int maxConcurrent = Runtime.getRuntime().availableProcessors();
        int queueCapacity = 16;
        int maxUploads = 2;
        Duration keyTtl = Duration.ofHours(1);
        long keyBudgetBytes = Runtime.getRuntime().maxMemory() / 2;
        Duration drainTimeout = Duration.ofSeconds(30);
        SSLContext ssl;
        int threads = Runtime.getRuntime().availableProcessors();
        PrintStream log = System.err;
        Runnable beforeEvaluation = () -> { };
        java.util.function.LongSupplier clock = System::nanoTime;

        /** The defaults. */
        public Config() {
        }

        /**
         * The address to listen on; port 0 picks a free port ({@link #port()} tells which).
         *
         * @param address the socket address
         * @return this
         */
        public Config bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Evaluations that may run at once.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxConcurrent(int n) {
            this.maxConcurrent = atLeast(n, 1, "maxConcurrent");
            return this;
        }

        /**
         * Requests that may wait for an evaluation slot; more get 503.
         *
         * @param n at least 0
         * @return this
         */
        public Config queueCapacity(int n) {
            this.queueCapacity = atLeast(n, 0, "queueCapacity");
            return this;
        }

        /**
         * Key uploads that may be read at once; more get 503.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxUploads(int n) {
            this.maxUploads = atLeast(n, 1, "maxUploads");
            return this;
        }

        /**
         * How long keys live without use.
         *
         * @param ttl positive
         * @return this
         */
        public Config keyTtl(Duration ttl) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("keyTtl must be positive, got " + ttl);
            }
            this.keyTtl = ttl;
            return this;
        }

        /**
         * The memory all clients' keys may take together (their in-memory size).
         *
         * @param bytes positive
         * @return this
         */
        public Config keyBudgetBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("keyBudgetBytes must be positive, got " + bytes);
            }
            this.keyBudgetBytes = bytes;
            return this;
        }

        /**
         * How long {@link PredictionServer#close()} waits for the requests in flight.
         *
         * @param timeout not negative
         * @return this
         */
        public Config drainTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, got " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /**
         * Serves HTTPS with this context (its key managers hold the server's certificate).
         *
         * @param context the TLS context, or null for plain HTTP
         * @return this
         */
        public Config tls(SSLContext context) {
            this.ssl = context;
            return this;
        }

        /**
         * The threads of the one pool the evaluations share.
         *
         * @param n at least 1
         * @return this
         */
        public Config threads(int n) {
            this.threads = atLeast(n, 1, "threads");
            return this;
        }

        /**
         * Where the server logs one line per request (never a key id or a body).
         *
         * @param out the stream
         * @return this
         */
        public Config log(PrintStream out) {
            this.log = Objects.requireNonNull(out, "log");
            return this;
        }

        Config beforeEvaluation(Runnable hook) {
            this.beforeEvaluation = hook;
            return this;
        }

        private static int atLeast(int n, int min, String what) {
            if (n < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
            }
            return n;
        }
    }

    /** A failure to report to the client. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        final Map<String, String> headers = new LinkedHashMap<>();

        ApiError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        ApiError header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Map<String, HostedModel> models = new LinkedHashMap<>();
    private final Config config;
    private final HttpServer server;
    private final ExecutorService http;
    private final ForkJoinPool pool;
    private final Parallelism parallelism;
    private final EvaluationKeyStore keys;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Semaphore admitted;
    private final Semaphore running;
    private final Semaphore uploads;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private final long drainLimit;
    private volatile boolean draining;
    private volatile boolean closed;

    private PredictionServer(List<HostedModel> hosted, Config config) throws IOException {
        if (hosted.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one model");
        }
        for (HostedModel m : hosted) {
            if (models.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two models are named '" + m.name() + "'");
            }
        }
        this.config = config;
        long largest = 1 << 20;
        for (HostedModel m : hosted) {
            largest = Math.max(largest, Math.max(m.maxKeyBytes(), m.maxInputBytes()));
        }
        this.drainLimit = 2 * largest;
        this.keys = new EvaluationKeyStore(config.keyTtl.toNanos(), config.keyBudgetBytes, config.clock, new SecureRandom());
        this.admitted = new Semaphore(config.maxConcurrent + config.queueCapacity);
        this.running = new Semaphore(config.maxConcurrent, true);
        this.uploads = new Semaphore(config.maxUploads);
        this.pool = new ForkJoinPool(config.threads);
        this.parallelism = Parallelism.of(pool);
        int handlers = config.maxConcurrent + config.queueCapacity + config.maxUploads + 4;
        AtomicInteger n = new AtomicInteger();
        this.http = new ThreadPoolExecutor(handlers, handlers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "lola4j-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        if (config.ssl != null) {
            HttpsServer s = HttpsServer.create(config.bind, 64);
            s.setHttpsConfigurator(new HttpsConfigurator(config.ssl));
            this.server = s;
        } else {
            this.server = HttpServer.create(config.bind, 64);
        }
        server.createContext("/", this::handle);
        server.setExecutor(http);
    }

    /**
     * Starts a server.
     *
     * @param models the models to host (distinct names); their weight encodings are prepared first
     * @param config how to run
     * @return the running server
     * @throws IOException when the address cannot be bound
     */
    public static PredictionServer start(List<HostedModel> models, Config config) throws IOException {
        for (HostedModel m : models) {
            m.plan().prepare();
        }
        PredictionServer s = new PredictionServer(List.copyOf(models), config);
        s.started.set(System.nanoTime());
        s.server.start();
        s.config.log.println("lola4j service listening on " + (config.ssl != null ? "https" : "http") + "://"
                + s.server.getAddress().getHostString() + ":" + s.port() + " with " + s.models.keySet());
        return s;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URI, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String host = server.getAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : server.getAddress().getHostString();
        return URI.create((config.ssl != null ? "https" : "http") + "://" + host + ":" + port());
    }

    /**
     * Stops admitting requests, waits up to the drain timeout for those in flight, then stops the
     * listener and the threads. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        draining = true;
        long deadline = System.nanoTime() + config.drainTimeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = inFlight.get();
        server.stop(0);
        http.shutdown();
        pool.shutdown();
        try {
            http.awaitTermination(5, TimeUnit.SECONDS);
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        config.log.println("lola4j service stopped" + (left > 0 ? " (" + left + " requests still in flight at the drain timeout)" : ""));
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(HttpExchange ex) throws IOException {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getRawPath();
        String endpoint = endpointName(path);
        int status;
        inFlight.incrementAndGet();
        try {
            status = route(ex, path);
        } catch (ApiError e) {
            status = sendError(ex, e);
        } catch (IOException e) {
            // the client went away or its body stream failed: nothing can be sent reliably
            status = 400;
            tryError(ex, new ApiError(400, "bad_request", "the request could not be read: " + e.getMessage()));
        } catch (RuntimeException | Error e) {
            config.log.println("internal error on " + ex.getRequestMethod() + " " + endpoint + ": " + e);
            status = 500;
            tryError(ex, new ApiError(500, "internal_error", "the server failed on this request; it has been logged"));
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
        metrics.request(endpoint, status);
        config.log.printf(Locale.ROOT, "%s %s %d %.3f s%n", ex.getRequestMethod(), endpoint, status, (System.nanoTime() - t0) * 1e-9);
    }

    /** The endpoint for logs and metrics: a fixed name, never a client-chosen path. */
    private String endpointName(String path) {
        if (path.startsWith(Protocol.MODELS + "/") && path.endsWith(Protocol.PLAN_SUFFIX)) {
            return Protocol.MODELS + "/{name}" + Protocol.PLAN_SUFFIX;
        }
        switch (path) {
            case Protocol.HEALTH:
            case Protocol.METRICS:
            case Protocol.MODELS:
            case Protocol.KEYS:
            case Protocol.PREDICT:
                return path;
            default:
                return "other";
        }
    }

    private int route(HttpExchange ex, String path) throws IOException, ApiError {
        String method = ex.getRequestMethod();
        switch (path) {
            case Protocol.HEALTH:
                requireMethod(method, "GET");
                return health(ex);
            case Protocol.METRICS:
                requireMethod(method, "GET");
                return sendJson(ex, 200, metricsJson());
            case Protocol.MODELS:
                requireMethod(method, "GET");
                return sendJson(ex, 200, Map.of("models", modelsJson()));
            case Protocol.KEYS:
                if (method.equals("DELETE")) {
                    return deleteKeys(ex);
                }
                requireMethod(method, "POST", "DELETE");
                return uploadKeys(ex);
            case Protocol.PREDICT:
                requireMethod(method, "POST");
                return predict(ex);
            default:
                if (path.startsWith(Protocol.MODELS + "/") && path.endsWith(Protocol.PLAN_SUFFIX)) {
                    requireMethod(method, "GET");
                    String name = path.substring(Protocol.MODELS.length() + 1, path.length() - Protocol.PLAN_SUFFIX.length());
                    return sendBytes(ex, 200, Protocol.CLIENT_PLAN_TYPE, model(URLDecoder.decode(name, StandardCharsets.UTF_8))
                            .planBytesShared());
                }
                throw new ApiError(404, "not_found", "no such endpoint; the API is under " + Protocol.PREFIX
                        + " (health, metrics, models, models/NAME/plan, keys, predict)");
        }
    }

    private static void requireMethod(String method, String... allowed) throws ApiError {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new ApiError(405, "method_not_allowed", "method " + method + " is not allowed here; use " + String.join(" or ", allowed))
                .header("Allow", String.join(", ", allowed));
    }

    // ------------------------------------------------------------------ endpoints

    private int health(HttpExchange ex) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", draining ? "draining" : "ok");
        m.put("models", models.size());
        m.put("uptime_s", (System.nanoTime() - started.get()) * 1e-9);
        return sendJson(ex, draining ? 503 : 200, m);
    }

    private Map<String, Object> metricsJson() {
        Map<String, Object> m = metrics.snapshot();
        m.put("in_flight_evaluations", config.maxConcurrent - running.availablePermits());
        m.put("queue_length", waiting.get());
        m.put("max_concurrent", config.maxConcurrent);
        m.put("queue_capacity", config.queueCapacity);
        long[] k = keys.stats();
        Map<String, Object> km = new LinkedHashMap<>();
        km.put("stored", k[0]);
        km.put("bytes", k[1]);
        km.put("budget_bytes", config.keyBudgetBytes);
        km.put("expired", k[2]);
        km.put("ttl_s", config.keyTtl.toSeconds());
        m.put("keys", km);
        return m;
    }

    private List<Map<String, Object>> modelsJson() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (HostedModel h : models.values()) {
            Plan p = h.plan();
            ClientPlan c = p.clientPlan();
            CkksParameters params = p.parameters();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("plan_fingerprint", String.format("%016x", p.fingerprint()));
            m.put("plan", Protocol.MODELS + "/" + h.name() + Protocol.PLAN_SUFFIX);
            m.put("input_shape", c.inputShape().dims());
            Map<String, Object> norm = new LinkedHashMap<>();
            norm.put("scale", c.normalization().scales());
            norm.put("offset", c.normalization().offsets());
            m.put("input_normalization", norm);
            m.put("outputs", c.outputSize());
            m.put("batch", p.isBatch() ? p.batchSize() : 0);
            m.put("input_representation", c.inputRepresentation().describe());
            m.put("output_representation", c.outputRepresentation().describe());
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("ring_degree", params.ringDegree());
            pm.put("slots", params.slots());
            pm.put("prime_bits", bits(params.primes()));
            pm.put("special_prime_bits", bits(params.specialPrimes()));
            pm.put("dnum", params.dnum());
            pm.put("scale_bits", Math.log(params.defaultScale()) / Math.log(2));
            pm.put("log2_qp", params.log2QP());
            pm.put("security", params.securityLevel().name());
            pm.put("fingerprint", String.format("%016x", params.fingerprint()));
            m.put("parameters", pm);
            KeyRequirements r = p.keyRequirements();
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("relinearization", r.needsRelinearization());
            km.put("conjugation", r.needsConjugation());
            km.put("rotations", new ArrayList<>(r.rotations()));
            km.put("seeded_bytes", CkksSerializer.evaluationKeysSize(params, r, CkksSerializer.Form.SEEDED));
            km.put("max_upload_bytes", h.maxKeyBytes());
            m.put("keys", km);
            m.put("input_bytes_seeded", c.inputBytes(true));
            m.put("max_input_bytes", h.maxInputBytes());
            m.put("output_bytes", c.outputBytes());
            m.put("depth", p.depth());
            m.put("predicted_seconds", p.predictedSeconds());
            out.add(m);
        }
        return out;
    }

    private static int[] bits(long[] primes) {
        int[] b = new int[primes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = 64 - Long.numberOfLeadingZeros(primes[i]);
        }
        return b;
    }

    private int uploadKeys(HttpExchange ex) throws IOException, ApiError {
        refuseWhileDraining();
        HostedModel m = model(queryModel(ex));
        requireType(ex, Protocol.EVALUATION_KEYS_TYPE);
        requireLength(ex, m.maxKeyBytes(), "an evaluation key upload for '" + m.name() + "'");
        if (!uploads.tryAcquire()) {
            throw busy("key uploads", config.maxUploads);
        }
        try {
            Plan plan = m.plan();
            LimitedInputStream body = new LimitedInputStream(ex.getRequestBody(), m.maxKeyBytes());
            java.security.MessageDigest sha = KeysDigest.sha256();
            EvaluationKeys evk;
            try {
                evk = new CkksSerializer(plan.parameters()).readEvaluationKeys(new java.security.DigestInputStream(body, sha));
            } catch (LimitedInputStream.TooLarge e) {
                throw tooLarge(m.maxKeyBytes(), "an evaluation key upload for '" + m.name() + "'");
            } catch (IOException e) {
                throw new ApiError(400, "invalid_keys", "the body is not evaluation keys of model '" + m.name() + "': "
                        + e.getMessage());
            }
            requireEnd(body, "the evaluation keys");
            requireCovers(evk, plan);
            KeysDigest digest = KeysDigest.ofBytes(sha.digest());
            KeyId id;
            try {
                id = keys.register(m.name(), plan.fingerprint(), evk, digest);
            } catch (EvaluationKeyStore.LookupException e) {
                throw new ApiError(e.status, e.code, e.getMessage()).header("Retry-After", "60");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("key_id", id.value());
            r.put("keys_digest", digest.hex());
            r.put("model", m.name());
            r.put("bytes", body.count());
            r.put("expires_after_idle_s", config.keyTtl.toSeconds());
            return sendJson(ex, 201, r);
        } finally {
            uploads.release();
        }
    }

    private static void requireCovers(EvaluationKeys evk, Plan plan) throws ApiError {
        KeyRequirements r = plan.keyRequirements();
        CkksParameters params = plan.parameters();
        if (r.needsRelinearization() && !evk.hasRelinearizationKey()) {
            throw new ApiError(400, "missing_keys", "the keys lack the relinearization key the plan needs");
        }
        for (int s : r.rotations()) {
            if (!evk.hasGaloisKey(params.galoisElementForRotation(s))) {
                throw new ApiError(400, "missing_keys", "the keys lack the Galois key for the rotation by " + s
                        + " the plan needs (the model's key requirements are in GET " + Protocol.MODELS + ")");
            }
        }
        if (r.needsConjugation() && !evk.hasGaloisKey(params.galoisElementForConjugation())) {
            throw new ApiError(400, "missing_keys", "the keys lack the conjugation key the plan needs");
        }
    }

    private int deleteKeys(HttpExchange ex) throws IOException, ApiError {
        KeyId id = keyId(ex);
        if (!keys.remove(id)) {
            throw new ApiError(404, "unknown_key_id", "unknown or expired key id");
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(204, -1);
        return 204;
    }

    private int predict(HttpExchange ex) throws IOException, ApiError {
        long t0 = System.nanoTime();
        refuseWhileDraining();
        HostedModel m = model(queryModel(ex));
        requireType(ex, Protocol.TENSOR_TYPE);
        requireLength(ex, m.maxInputBytes(), "an encrypted input of '" + m.name() + "'");
        KeyId id = keyId(ex);
        KeysDigest digest = keysDigest(ex);
        Plan plan = m.plan();
        EvaluationKeys evk;
        try {
            evk = keys.lookup(id, m.name(), plan.fingerprint(), digest);
        } catch (EvaluationKeyStore.LookupException e) {
            throw new ApiError(e.status, e.code, e.getMessage());
        }
        if (!admitted.tryAcquire()) {
            throw busy("evaluations", config.maxConcurrent + config.queueCapacity);
        }
        try {
            LimitedInputStream body = new LimitedInputStream(ex.getRequestBody(), m.maxInputBytes());
            EncryptedTensor x;
            try {
                x = plan.clientPlan().readInput(body);
            } catch (LimitedInputStream.TooLarge e) {
                throw tooLarge(m.maxInputBytes(), "an encrypted input of '" + m.name() + "'");
            } catch (IOException e) {
                throw new ApiError(400, "invalid_input", "the body is not an encrypted input of model '" + m.name() + "': "
                        + e.getMessage());
            }
            requireEnd(body, "the encrypted input");
            waiting.incrementAndGet();
            try {
                running.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiError(503, "shutting_down", "the server is shutting down").header("Retry-After", "5");
            } finally {
                waiting.decrementAndGet();
            }
            EncryptedTensor y;
            double evalSeconds;
            try {
                config.beforeEvaluation.run();
                long e0 = System.nanoTime();
                y = plan.evaluate(x, evk, parallelism);
                evalSeconds = (System.nanoTime() - e0) * 1e-9;
            } finally {
                running.release();
            }
            ex.getResponseHeaders().set("Content-Type", Protocol.TENSOR_TYPE);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set(Protocol.SERVER_SECONDS_HEADER, String.format(Locale.ROOT, "%.6f", evalSeconds));
            ex.sendResponseHeaders(200, plan.clientPlan().outputBytes());
            try (OutputStream out = ex.getResponseBody()) {
                plan.clientPlan().writeTensor(out, y);
            }
            metrics.prediction((System.nanoTime() - t0) * 1e-9, evalSeconds);
            return 200;
        } finally {
            admitted.release();
        }
    }

    // ------------------------------------------------------------------ request checks

    private void refuseWhileDraining() throws ApiError {
        if (draining) {
            throw new ApiError(503, "shutting_down", "the server is shutting down").header("Retry-After", "5");
        }
    }

    private static ApiError busy(String what, int limit) {
        return new ApiError(503, "busy", "the server is at its limit of " + limit + " concurrent " + what + "; retry shortly")
                .header("Retry-After", "1");
    }

    private static ApiError tooLarge(long limit, String what) {
        return new ApiError(413, "body_too_large", "the body exceeds the " + limit + " bytes of " + what);
    }

    private HostedModel model(String name) throws ApiError {
        HostedModel m = models.get(name);
        if (m == null) {
            throw new ApiError(404, "unknown_model", "no model named '" + abbreviate(name) + "'; GET " + Protocol.MODELS
                    + " lists them");
        }
        return m;
    }

    private static String queryModel(HttpExchange ex) throws ApiError {
        String q = ex.getRequestURI().getRawQuery();
        String model = null;
        if (q != null) {
            for (String part : q.split("&")) {
                int eq = part.indexOf('=');
                String k = eq < 0 ? part : part.substring(0, eq);
                if (k.equals("model")) {
                    if (model != null) {
                        throw new ApiError(400, "bad_query", "the query names the model twice");
                    }
                    try {
                        model = URLDecoder.decode(eq < 0 ? "" : part.substring(eq + 1), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "bad_query", "the model parameter is not URL-encoded correctly");
                    }
                }
            }
        }
        if (model == null || model.isEmpty()) {
            throw new ApiError(400, "missing_model", "the query must name the model: ?model=NAME");
        }
        return model;
    }

    private static KeyId keyId(HttpExchange ex) throws ApiError {
        List<String> v = ex.getRequestHeaders().get(Protocol.KEY_ID_HEADER);
        if (v == null || v.isEmpty()) {
            throw new ApiError(401, "missing_key_id", "the request needs the " + Protocol.KEY_ID_HEADER
                    + " header that POST " + Protocol.KEYS + " returned");
        }
        if (v.size() > 1) {
            throw new ApiError(400, "malformed_key_id", "the " + Protocol.KEY_ID_HEADER + " header appears more than once");
        }
        try {
            return KeyId.parse(v.get(0));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed_key_id", "malformed " + Protocol.KEY_ID_HEADER + " header: " + e.getMessage());
        }
    }

    private static KeysDigest keysDigest(HttpExchange ex) throws ApiError {
        List<String> v = ex.getRequestHeaders().get(Protocol.KEYS_DIGEST_HEADER);
        if (v == null || v.isEmpty()) {
            throw new ApiError(400, "missing_keys_digest", "the request needs the " + Protocol.KEYS_DIGEST_HEADER
                    + " header: the keys_digest that POST " + Protocol.KEYS + " returned for the key id");
        }
        if (v.size() > 1) {
            throw new ApiError(400, "malformed_keys_digest", "the " + Protocol.KEYS_DIGEST_HEADER + " header appears more than once");
        }
        try {
            return KeysDigest.parse(v.get(0));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed_keys_digest", "malformed " + Protocol.KEYS_DIGEST_HEADER + " header: " + e.getMessage());
        }
    }

    private static void requireType(HttpExchange ex, String expected) throws ApiError {
        String t = ex.getRequestHeaders().getFirst("Content-Type");
        String media = t == null ? "" : t.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals(expected)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be " + expected + ", got "
                    + (t == null ? "no Content-Type" : "'" + abbreviate(media) + "'"));
        }
    }

    private static void requireLength(HttpExchange ex, long limit, String what) throws ApiError {
        String l = ex.getRequestHeaders().getFirst("Content-Length");
        if (l != null) {
            long n;
            try {
                n = Long.parseLong(l.trim());
            } catch (NumberFormatException e) {
                throw new ApiError(400, "bad_length", "the Content-Length header is not a number");
            }
            if (n > limit) {
                throw tooLarge(limit, what);
            }
        }
    }

    private static void requireEnd(InputStream body, String what) throws IOException, ApiError {
        try {
            if (body.read() != -1) {
                throw new ApiError(400, "trailing_bytes", "the body continues after " + what);
            }
        } catch (LimitedInputStream.TooLarge e) {
            throw new ApiError(413, "body_too_large", e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ responses

    private int sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b;
        try {
            b = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        return sendBytes(ex, status, Protocol.JSON_TYPE, b);
    }

    private static int sendBytes(HttpExchange ex, int status, String type, byte[] b) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
        return status;
    }

    private int sendError(HttpExchange ex, ApiError e) throws IOException {
        drain(ex);
        for (Map.Entry<String, String> h : e.headers.entrySet()) {
            ex.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("status", e.status);
        err.put("code", e.code);
        err.put("message", e.getMessage());
        return sendJson(ex, e.status, Map.of("error", err));
    }

    /**
     * Reads what is left of the request body before an error answer: an HTTP/1.1 client still
     * sending would otherwise see its connection reset instead of the answer. Beyond the drain
     * limit the connection is dropped instead (the body cannot be one of ours).
     */
    private void drain(HttpExchange ex) {
        byte[] buf = new byte[1 << 16];
        long left = drainLimit;
        try {
            InputStream in = ex.getRequestBody();
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException ignored) {
            // the body is broken or gone; the answer is still attempted
        }
    }

    private void tryError(HttpExchange ex, ApiError e) {
        try {
            sendError(ex, e);
        } catch (IOException | RuntimeException ignored) {
            // the response had started or the connection is gone; the log line records the status
        }
    }
}
