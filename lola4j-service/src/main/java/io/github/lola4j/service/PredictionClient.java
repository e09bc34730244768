package io.github.lola4j.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * The client side of the protocol over {@code java.net.http.HttpClient}: fetch a model's
 * {@link ClientPlan}, upload evaluation keys, send an encrypted input and read the encrypted
 * result. It sends nothing but public objects (its methods take no secret key); encryption and
 * decryption happen in the caller with the {@link ClientPlan}. Thread-safe.
 */
public final class PredictionClient {

    /**
     * A registration.
     *
     * @param keyId      the id to send with predictions
     * @param keysDigest the digest of the uploaded keys, which the server confirmed; send it with the id
     * @param bytesSent  the size of the upload
     */
    public record Registration(KeyId keyId, KeysDigest keysDigest, long bytesSent) {
    }

    /** The most a JSON answer (models, health, metrics, a registration) may take. */
    static final int MAX_JSON_BYTES = 4 << 20;
    /** The most a client-plan answer may take: the client-plan file's own limit and its framing. */
    static final int MAX_PLAN_BYTES = 64 << 20;
    /** The most of an error answer that is read. */
    private static final int MAX_ERROR_BYTES = 1 << 16;

    /**
     * A prediction's encrypted result and what it cost.
     *
     * @param output        the encrypted scores
     * @param serverSeconds the server's evaluation time (its header)
     * @param seconds       the round trip, from the first byte sent to the last byte read
     * @param bytesSent     the request body's size
     * @param bytesReceived the response body's size
     */
    public record Prediction(EncryptedTensor output, double serverSeconds, double seconds, long bytesSent, long bytesReceived) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final int retries;

    /** The longest wait before a retry, in seconds. */
    public static final int MAX_RETRY_WAIT_S = 10;

    /**
     * A client of a server that retries a busy server's 503 answers up to 5 times.
     *
     * @param base    the server, e.g. {@code http://127.0.0.1:8080} (http or https)
     * @param tls     the TLS context whose trust managers accept the server's certificate, or null
     *                for the JVM's default trust store
     * @param timeout the longest any request may take
     * @throws IllegalArgumentException on a URI that is not an absolute http(s) URI
     */
    public PredictionClient(URI base, SSLContext tls, Duration timeout) {
        this(base, tls, timeout, 5);
    }

    /**
     * A client of a server.
     *
     * @param base    the server, e.g. {@code http://127.0.0.1:8080} (http or https)
     * @param tls     the TLS context whose trust managers accept the server's certificate, or null
     *                for the JVM's default trust store
     * @param timeout the longest any request may take
     * @param retries how often to retry a 503 answer that carries Retry-After (0 for never)
     * @throws IllegalArgumentException on a URI that is not an absolute http(s) URI or negative retries
     */
    public PredictionClient(URI base, SSLContext tls, Duration timeout, int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative, got " + retries);
        }
        this.retries = retries;
        Objects.requireNonNull(base, "base");
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                || base.getHost() == null) {
            throw new IllegalArgumentException("server must be an http:// or https:// URL with a host, got '" + base + "'");
        }
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The server's base URI. */
    public URI server() {
        return base;
    }

    /**
     * {@code GET /v1/models}.
     *
     * @return the JSON document (a {@code models} array)
     * @throws IOException on a network failure or an error answer ({@link ServiceException})
     */
    public JsonNode models() throws IOException {
        return JSON.readTree(send(HttpRequest.newBuilder(uri(Protocol.MODELS)).GET(), MAX_JSON_BYTES));
    }

    /**
     * {@code GET /v1/health}.
     *
     * @return the JSON document
     * @throws IOException on a network failure or an error answer
     */
    public JsonNode health() throws IOException {
        return JSON.readTree(send(HttpRequest.newBuilder(uri(Protocol.HEALTH)).GET(), MAX_JSON_BYTES));
    }

    /**
     * {@code GET /v1/metrics}.
     *
     * @return the JSON document
     * @throws IOException on a network failure or an error answer
     */
    public JsonNode metrics() throws IOException {
        return JSON.readTree(send(HttpRequest.newBuilder(uri(Protocol.METRICS)).GET(), MAX_JSON_BYTES));
    }

    /**
     * Fetches a model's client plan.
     *
     * @param model the model name
     * @return the client plan (validated, including its parameters' security check)
     * @throws IOException on a network failure, an error answer or a malformed plan
     */
    public ClientPlan clientPlan(String model) throws IOException {
        return fetchPlan(model).plan();
    }

    /** A fetched client plan and its size on the wire. */
    record FetchedPlan(ClientPlan plan, long bytes) {
    }

    FetchedPlan fetchPlan(String model) throws IOException {
        byte[] b = send(HttpRequest.newBuilder(uri(Protocol.MODELS + "/" + encode(model) + Protocol.PLAN_SUFFIX)).GET(),
                MAX_PLAN_BYTES);
        try {
            return new FetchedPlan(ClientPlan.read(new ByteArrayInputStream(b)), b.length);
        } catch (IOException e) {
            throw new IOException("the server's client plan for '" + model + "' is not a valid one: " + e.getMessage(), e);
        }
    }

    /**
     * Uploads evaluation keys for a model.
     *
     * @param model the model name
     * @param keys  the keys its plan requires (public material only)
     * @return the key id, the digest of the keys and the upload size
     * @throws IOException on a network failure, an error answer, or an answer whose digest is not
     *                     that of the keys sent (the server received other bytes)
     */
    public Registration registerKeys(String model, EvaluationKeys keys) throws IOException {
        byte[] body = new CkksSerializer(keys.parameters()).toBytes(keys);
        KeysDigest digest = KeysDigest.of(body);
        JsonNode j = JSON.readTree(send(HttpRequest.newBuilder(uri(Protocol.KEYS + "?model=" + encode(model)))
                .header("Content-Type", Protocol.EVALUATION_KEYS_TYPE)
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), MAX_JSON_BYTES));
        if (!j.hasNonNull("key_id") || !j.hasNonNull("keys_digest")) {
            throw new IOException("the server's answer to the key upload lacks key_id or keys_digest");
        }
        KeysDigest echoed;
        KeyId id;
        try {
            echoed = KeysDigest.parse(j.get("keys_digest").asText());
            id = KeyId.parse(j.get("key_id").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException("the server's answer to the key upload is malformed: " + e.getMessage(), e);
        }
        if (!echoed.equals(digest)) {
            throw new IOException("the server registered other keys than those sent (digest " + echoed + ", sent " + digest
                    + "); not using its key id");
        }
        return new Registration(id, digest, body.length);
    }

    /**
     * Asks the server to forget keys ({@code DELETE /v1/keys}).
     *
     * @param keyId the id
     * @throws IOException on a network failure or an error answer (404 when already gone)
     */
    public void deleteKeys(KeyId keyId) throws IOException {
        send(HttpRequest.newBuilder(uri(Protocol.KEYS)).header(Protocol.KEY_ID_HEADER, keyId.value()).DELETE(), MAX_JSON_BYTES);
    }

    /**
     * Sends an encrypted input and reads the encrypted result.
     *
     * @param model the model name
     * @param keyId the id of the keys registered for it
     * @param keysDigest the digest of those keys ({@link Registration#keysDigest()}): the server
     *              refuses with 409 {@code keys_mismatch} when it holds other keys under the id
     * @param plan  the model's client plan
     * @param input the encrypted input
     * @return the result and its costs
     * @throws IOException on a network failure, an error answer or a malformed result
     */
    public Prediction predict(String model, KeyId keyId, KeysDigest keysDigest, ClientPlan plan, EncryptedTensor input)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream b = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, plan.inputBytes(false)));
        plan.writeTensor(b, input);
        byte[] body = b.toByteArray();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = sendStreaming(HttpRequest.newBuilder(uri(Protocol.PREDICT + "?model=" + encode(model)))
                .header("Content-Type", Protocol.TENSOR_TYPE)
                .header(Protocol.KEY_ID_HEADER, keyId.value())
                .header(Protocol.KEYS_DIGEST_HEADER, keysDigest.hex())
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        EncryptedTensor y;
        long received;
        try (CountingInput in = new CountingInput(r.body())) {
            y = within(in, deadline, s -> {
                EncryptedTensor t = plan.readOutput(s);
                if (s.read() != -1) {
                    throw new IOException("the server's result continues after the tensor");
                }
                return t;
            });
            received = in.count;
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        double server = r.headers().firstValue(Protocol.SERVER_SECONDS_HEADER).map(PredictionClient::parseSeconds).orElse(Double.NaN);
        return new Prediction(y, server, seconds, body.length, received);
    }

    private static double parseSeconds(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Sends a request and reads at most {@code limit} bytes of the answer: a server that answers
     * more (hostile, or not ours) is cut off with an error instead of filling the heap.
     */
    private byte[] send(HttpRequest.Builder req, int limit) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<InputStream> r = sendStreaming(req);
        try (InputStream in = r.body()) {
            long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > limit) {
                throw new IOException("the server's answer of " + declared + " bytes exceeds the " + limit + " bytes such an"
                        + " answer may take");
            }
            byte[] b = within(in, deadline, s -> s.readNBytes(limit + 1));
            if (b.length > limit) {
                throw new IOException("the server's answer exceeds the " + limit + " bytes such an answer may take");
            }
            return b;
        }
    }

    /** Reads a response body. */
    private interface BodyRead<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * Reads a response body by the request's deadline. The client's timeout covers only the wait
     * for the answer's headers; a server that then sends its body a byte a second would hold the
     * caller for ever, so at the deadline the stream is closed, which ends a blocked read.
     */
    private <T> T within(InputStream in, long deadlineNanos, BodyRead<T> read) throws IOException {
        java.util.concurrent.atomic.AtomicBoolean late = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> watch = WATCHDOG.schedule(() -> {
            late.set(true);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is all the watchdog can do
            }
        }, Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        try {
            T t = read.read(in);
            if (late.get()) {
                throw new java.net.http.HttpTimeoutException("the server's answer did not arrive within " + timeout.toSeconds() + " s");
            }
            return t;
        } catch (IOException e) {
            if (late.get()) {
                throw new java.net.http.HttpTimeoutException("the server's answer did not arrive within " + timeout.toSeconds()
                        + " s (" + e.getMessage() + ")");
            }
            throw e;
        } finally {
            watch.cancel(false);
        }
    }

    /** Closes the body streams of answers that outlive their deadline; one daemon thread for every client. */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lola4j-client-deadlines");
                t.setDaemon(true);
                return t;
            });

    private HttpResponse<InputStream> sendStreaming(HttpRequest.Builder req) throws IOException {
        HttpResponse<InputStream> r = exchange(req.timeout(timeout).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() >= 300) {
            byte[] b;
            try (InputStream in = r.body()) {
                b = within(in, System.nanoTime() + timeout.toNanos(), s -> s.readNBytes(MAX_ERROR_BYTES));
            }
            throw error(r.statusCode(), b);
        }
        return r;
    }

    /**
     * Sends a request; a 503 or 429 with {@code Retry-After} (server busy, key store full, this
     * client over its share) is retried after that many seconds (at most {@value #MAX_RETRY_WAIT_S}), up to {@link #retries} times.
     */
    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        for (int attempt = 0;; attempt++) {
            HttpResponse<T> r;
            try {
                r = http.send(req, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the server", e);
            } catch (java.net.ConnectException e) {
                // the JDK's message is often null: say where, and what usually helps
                java.net.ConnectException named = new java.net.ConnectException("cannot connect to " + req.uri().getScheme() + "://"
                        + req.uri().getAuthority() + " (" + (e.getMessage() == null ? "connection refused" : e.getMessage())
                        + "); is a lola4j server (lola4j serve) running there?");
                named.initCause(e);
                throw named;
            }
            java.util.Optional<String> after = r.headers().firstValue("Retry-After");
            if (r.statusCode() != 503 && r.statusCode() != 429 || after.isEmpty() || attempt >= retries) {
                return r;
            }
            if (r.body() instanceof InputStream in) {
                in.close();
            }
            long wait;
            try {
                wait = Math.max(0, Math.min(MAX_RETRY_WAIT_S, Long.parseLong(after.get().trim())));
            } catch (NumberFormatException e) {
                wait = 1;
            }
            try {
                Thread.sleep(wait * 1000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(250));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting to retry", e);
            }
        }
    }

    private static ServiceException error(int status, byte[] body) {
        try {
            JsonNode e = JSON.readTree(body).get("error");
            if (e != null) {
                return new ServiceException(status, e.path("code").asText("unknown"), e.path("message").asText(""));
            }
        } catch (IOException ignored) {
            // not our JSON: a proxy's page, for example
        }
        return new ServiceException(status, "http_" + status, "the server's answer is not a lola4j error ("
                + Math.min(body.length, 200) + " bytes)");
    }

    /** Counts what the caller reads. */
    private static final class CountingInput extends java.io.FilterInputStream {
        long count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
