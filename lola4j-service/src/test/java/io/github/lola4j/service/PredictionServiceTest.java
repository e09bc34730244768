package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.error;
import static io.github.lola4j.service.ServiceTestSupport.input;
import static io.github.lola4j.service.ServiceTestSupport.plan;
import static io.github.lola4j.service.ServiceTestSupport.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The prediction service over loopback: results equal local evaluation and plaintext, many
 * clients in parallel never cross, every bad request gets its 4xx while good clients go on, and
 * mutated bodies never crash the server or leak a stack trace or a key id.
 */
class PredictionServiceTest {

    private static final SecureRandom RND = new SecureRandom();
    private static final ServiceTestSupport.Log LOG = new ServiceTestSupport.Log();
    private static PredictionServer server;
    private static PredictionClient client;
    private static final List<String> ISSUED = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws IOException {
        server = PredictionServer.start(List.of(HostedModel.of("lola-small", plan("lola-small")), HostedModel.of("lola", plan("lola"))),
                new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).maxConcurrent(2).queueCapacity(64)
                        // every client of this test is 127.0.0.1: the per-client quotas are ServiceSiegeTest's
                        .keyUploadsPerMinute(10_000).maxRequestsPerClient(1_000).keyShare(1).log(LOG.stream));
        client = new PredictionClient(server.uri(), null, Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A client's keys, registered. */
    private static final class Keys {
        final SecretKey sk;
        final EvaluationKeys evk;
        final KeyId id;
        final KeysDigest digest;

        Keys(String model) throws IOException {
            Plan p = plan(model);
            KeyGenerator kg = new KeyGenerator(p.parameters(), RND);
            sk = kg.secretKey();
            evk = kg.evaluationKeys(sk, p.keyRequirements());
            PredictionClient.Registration r = client.registerKeys(model, evk);
            id = r.keyId();
            digest = r.keysDigest();
            assertEquals(KeysDigest.of(new CkksSerializer(evk.parameters()).toBytes(evk)), digest, "the digest of the bytes sent");
            ISSUED.add(id.value());
        }
    }

    private static byte[] tensorBytes(ClientPlan c, EncryptedTensor x) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        c.writeTensor(b, x);
        return b.toByteArray();
    }

    @Test
    void predictionThroughTheServerEqualsTheLocalEncryptedAndThePlaintextOne() throws Exception {
        Plan local = plan("lola");
        ClientPlan remote = client.clientPlan("lola");
        assertEquals(local.fingerprint(), remote.fingerprint());
        assertEquals(local.keyRequirements(), remote.keyRequirements());
        Keys k = new Keys("lola");
        for (int i = 0; i < 3; i++) {
            double[] x = input("lola", i);
            EncryptedTensor ct = remote.encryptInput(x, k.sk, RND);
            PredictionClient.Prediction p = client.predict("lola", k.id, k.digest, remote, ct);
            assertArrayEquals(tensorBytes(local.clientPlan(), local.evaluate(ct, k.evk)), tensorBytes(remote, p.output()),
                    "the server's result is bit for bit the local evaluation's");
            double[] scores = remote.decryptOutput(p.output(), k.sk);
            double[] plain = local.network().forward(x);
            assertEquals(Tensor.argmax(plain), Tensor.argmax(scores));
            for (int s = 0; s < plain.length; s++) {
                assertEquals(plain[s], scores[s], 0.01);
            }
            assertEquals(remote.inputBytes(true), p.bytesSent());
            assertEquals(remote.outputBytes(), p.bytesReceived());
            assertTrue(p.serverSeconds() > 0 && p.serverSeconds() < p.seconds(), p.serverSeconds() + " / " + p.seconds());
        }
    }

    /** 8 clients x 25 requests at once, each with its own keys: every result is its own, none lost. */
    @Test
    void boundedLoadTestNeverCrossesClients() throws Exception {
        int clients = 8;
        int requests = 25;
        long before = client.metrics().get("predictions").asLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<double[]>> futures = new ArrayList<>();
        Plan local = plan("lola-small");
        for (int c = 0; c < clients; c++) {
            int id = c;
            futures.add(pool.submit(() -> {
                ClientSession s = ClientSession.open(client, "lola-small", null, new SecureRandom(), false);
                double[] seconds = new double[requests];
                for (int r = 0; r < requests; r++) {
                    int image = (id * requests + r) % ServiceTestSupport.SAMPLE.count();
                    double[] x = input("lola-small", image);
                    ClientSession.Result res = s.predict(x);
                    double[] plain = local.network().forward(x);
                    for (int k = 0; k < plain.length; k++) {
                        if (Math.abs(plain[k] - res.scores()[k]) > 1e-3) {
                            throw new AssertionError("client " + id + " request " + r + ": score " + k + " is " + res.scores()[k]
                                    + ", plaintext " + plain[k]);
                        }
                    }
                    seconds[r] = res.seconds();
                }
                return seconds;
            }));
        }
        double[] all = new double[clients * requests];
        for (int c = 0; c < clients; c++) {
            System.arraycopy(futures.get(c).get(), 0, all, c * requests, requests);
        }
        pool.shutdown();
        Arrays.sort(all);
        System.out.printf("service load test: %d clients x %d requests, round trip p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", clients,
                requests, 1e3 * ServerMetrics.quantile(all, 0.5), 1e3 * ServerMetrics.quantile(all, 0.99), 1e3 * all[all.length - 1]);
        assertEquals(before + clients * requests, client.metrics().get("predictions").asLong(), "every request was evaluated once");
    }

    @Test
    void badRequestsGetTheirStatusWhileAGoodClientGoesOn() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger good = new AtomicInteger();
        ExecutorService bg = Executors.newSingleThreadExecutor();
        Future<?> goodClient = bg.submit(() -> {
            ClientSession s = ClientSession.open(client, "lola-small", null, new SecureRandom(), false);
            double[] x = input("lola-small", 7);
            int expected = Tensor.argmax(plan("lola-small").network().forward(x));
            while (!stop.get() || good.get() < 3) {
                if (s.predict(x).prediction() != expected) {
                    throw new AssertionError("the good client got a wrong prediction");
                }
                good.incrementAndGet();
            }
            return null;
        });
        URI u = server.uri();
        Keys small = new Keys("lola-small");
        Keys big = new Keys("lola");
        ClientPlan smallPlan = plan("lola-small").clientPlan();
        ClientPlan bigPlan = plan("lola").clientPlan();
        byte[] body = tensorBytes(smallPlan, smallPlan.encryptInput(input("lola-small", 1), small.sk, RND));
        String predict = Protocol.PREDICT + "?model=lola-small";
        String id = Protocol.KEY_ID_HEADER;
        String dg = Protocol.KEYS_DIGEST_HEADER;

        expect(415, "unsupported_media_type", raw(u, "POST", predict, "application/octet-stream", body, id, small.id.value(), dg, small.digest.hex()));
        expect(415, "unsupported_media_type", raw(u, "POST", predict, null, body, id, small.id.value(), dg, small.digest.hex()));
        expect(400, "invalid_input", raw(u, "POST", predict, Protocol.TENSOR_TYPE, Arrays.copyOf(body, body.length / 2), id,
                small.id.value(), dg, small.digest.hex()));
        byte[] flipped = body.clone();
        flipped[body.length / 3] ^= 0x20;
        expect(400, "invalid_input", raw(u, "POST", predict, Protocol.TENSOR_TYPE, flipped, id, small.id.value(), dg, small.digest.hex()));
        byte[] longer = Arrays.copyOf(body, body.length + 1);
        expect(400, "trailing_bytes", raw(u, "POST", predict, Protocol.TENSOR_TYPE, longer, id, small.id.value(), dg, small.digest.hex()));
        // a tensor of another model, with keys of that model: refused by the plan fingerprint
        JsonNode e = expect(400, "invalid_input", raw(u, "POST", Protocol.PREDICT + "?model=lola", Protocol.TENSOR_TYPE,
                tensorBytes(smallPlan, smallPlan.encryptInput(input("lola-small", 1), small.sk, RND)), id, big.id.value(), dg,
                big.digest.hex()));
        assertTrue(e.get("message").asText().contains("another plan"), e.toString());
        // keys of one model used for another
        expect(409, "key_id_for_another_model", raw(u, "POST", Protocol.PREDICT + "?model=lola", Protocol.TENSOR_TYPE,
                tensorBytes(bigPlan, bigPlan.encryptInput(input("lola", 1), big.sk, RND)), id, small.id.value(), dg, small.digest.hex()));
        // keys of other parameters, or missing keys
        byte[] smallKeys = new CkksSerializer(small.evk.parameters()).toBytes(small.evk);
        expect(plan("lola").parameters().equals(plan("lola-small").parameters()) ? 400 : 400, null,
                raw(u, "POST", Protocol.KEYS + "?model=lola", Protocol.EVALUATION_KEYS_TYPE, smallKeys));
        EvaluationKeys partial = new KeyGenerator(smallPlan.parameters(), RND).evaluationKeys(small.sk,
                io.github.lola4j.ckks.KeyRequirements.relinearization());
        expect(400, "missing_keys", raw(u, "POST", Protocol.KEYS + "?model=lola-small", Protocol.EVALUATION_KEYS_TYPE,
                new CkksSerializer(partial.parameters()).toBytes(partial)));
        // key ids: unknown, malformed, missing
        expect(404, "unknown_key_id", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body, id, KeyId.random(RND).value(), dg,
                small.digest.hex()));
        // the keys digest: missing, malformed, or naming other keys than the id holds
        expect(400, "missing_keys_digest", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body, id, small.id.value()));
        expect(400, "malformed_keys_digest", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body, id, small.id.value(), dg, "zz"));
        expect(409, "keys_mismatch", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body, id, small.id.value(), dg,
                big.digest.hex()));
        expect(400, "malformed_key_id", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body, id, "not-a-key-id"));
        expect(401, "missing_key_id", raw(u, "POST", predict, Protocol.TENSOR_TYPE, body));
        // oversized bodies: announced, and streamed without a length
        HostedModel hs = HostedModel.of("lola-small", plan("lola-small"));
        expect(413, "body_too_large", raw(u, "POST", predict, Protocol.TENSOR_TYPE, new byte[(int) hs.maxInputBytes() + 1], id,
                small.id.value(), dg, small.digest.hex()));
        io.github.lola4j.ckks.PublicKey pk = new KeyGenerator(smallPlan.parameters(), RND).publicKey(small.sk);
        byte[] full = tensorBytes(smallPlan, smallPlan.encryptInput(input("lola-small", 1), pk, RND));
        assertEquals(hs.maxInputBytes(), full.length, "a public-key encryption travels in full: the largest input");
        expect(413, "body_too_large", chunked(u, predict, Protocol.TENSOR_TYPE, full, 100_000, small));
        // JSON where binary is expected, malformed or not
        expect(415, "unsupported_media_type", raw(u, "POST", Protocol.KEYS + "?model=lola-small", Protocol.JSON_TYPE,
                "{\"keys\": [1, 2,".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        // names, paths, methods
        expect(404, "unknown_model", raw(u, "POST", Protocol.PREDICT + "?model=nope", Protocol.TENSOR_TYPE, body, id,
                small.id.value(), dg, small.digest.hex()));
        expect(400, "missing_model", raw(u, "POST", Protocol.PREDICT, Protocol.TENSOR_TYPE, body, id, small.id.value(), dg, small.digest.hex()));
        expect(404, "not_found", raw(u, "GET", "/v2/predict", null, null));
        expect(404, "unknown_model", raw(u, "GET", Protocol.MODELS + "/nope/plan", null, null));
        HttpResponse<String> r = raw(u, "GET", Protocol.PREDICT, null, null);
        expect(405, "method_not_allowed", r);
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
        // a secret key is never accepted as keys
        ByteArrayOutputStream skBytes = new ByteArrayOutputStream();
        new CkksSerializer(small.sk.parameters()).writeSecretKey(skBytes, small.sk);
        expect(400, "invalid_keys", raw(u, "POST", Protocol.KEYS + "?model=lola-small", Protocol.EVALUATION_KEYS_TYPE,
                skBytes.toByteArray()));

        stop.set(true);
        goodClient.get();
        bg.shutdown();
        assertTrue(good.get() >= 3, "the good client kept being served: " + good.get());
        assertEquals(200, raw(u, "GET", Protocol.HEALTH, null, null).statusCode());
    }

    private static JsonNode expect(int status, String code, HttpResponse<String> r) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = error(r);
        if (code != null) {
            assertEquals(code, e.get("code").asText(), r.body());
        }
        for (String k : ISSUED) {
            assertFalse(r.body().contains(k), "no key id in an error");
        }
        return e;
    }

    private static HttpResponse<String> chunked(URI u, String path, String type, byte[] prefix, int extra, Keys k)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(u + path)).header("Content-Type", type)
                .header(Protocol.KEY_ID_HEADER, k.id.value()).header(Protocol.KEYS_DIGEST_HEADER, k.digest.hex())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
                        new java.io.ByteArrayInputStream(prefix), new java.io.ByteArrayInputStream(new byte[extra])))).build();
        return ServiceTestSupport.RAW.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** A few hundred randomly mutated bodies: always a 4xx JSON error, never a crash or a stack trace. */
    @Test
    void mutatedBodiesNeverCrashTheServer() throws Exception {
        Keys k = new Keys("lola-small");
        ClientPlan c = plan("lola-small").clientPlan();
        byte[] body = tensorBytes(c, c.encryptInput(input("lola-small", 2), k.sk, RND));
        byte[] keys = new CkksSerializer(k.evk.parameters()).toBytes(k.evk);
        SplittableRandom r = new SplittableRandom(20261202);
        URI u = server.uri();
        Set<Integer> statuses = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            boolean keyUpload = i % 10 == 9;
            byte[] m = mutate(keyUpload ? keys : body, r);
            HttpResponse<String> res = keyUpload
                    ? raw(u, "POST", Protocol.KEYS + "?model=lola-small", Protocol.EVALUATION_KEYS_TYPE, m)
                    : raw(u, "POST", Protocol.PREDICT + "?model=lola-small", Protocol.TENSOR_TYPE, m, Protocol.KEY_ID_HEADER,
                            k.id.value(), Protocol.KEYS_DIGEST_HEADER, k.digest.hex());
            assertTrue(res.statusCode() >= 400 && res.statusCode() < 500, "mutation " + i + ": " + res.statusCode() + " " + res.body());
            error(res);
            statuses.add(res.statusCode());
        }
        assertTrue(statuses.contains(400), statuses.toString());
        ClientSession s = ClientSession.open(client, "lola-small", null, RND, false);
        double[] x = input("lola-small", 3);
        assertEquals(Tensor.argmax(plan("lola-small").network().forward(x)), s.predict(x).prediction(), "still serving");
    }

    private static byte[] mutate(byte[] b, SplittableRandom r) {
        byte[] m = b.clone();
        switch (r.nextInt(5)) {
            case 0: // flip a few bits anywhere
                for (int j = 1 + r.nextInt(8); j > 0; j--) {
                    m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return m;
            case 1: // corrupt the headers
                for (int j = 1 + r.nextInt(4); j > 0; j--) {
                    m[r.nextInt(Math.min(m.length, 64))] = (byte) r.nextInt(256);
                }
                return m;
            case 2: // truncate
                return Arrays.copyOf(m, r.nextInt(m.length));
            case 3: // random bytes of a random length
                byte[] g = new byte[r.nextInt(1 << 12)];
                for (int j = 0; j < g.length; j++) {
                    g[j] = (byte) r.nextInt(256);
                }
                return g;
            default: // splice: drop a random range
                int from = r.nextInt(m.length);
                int to = Math.min(m.length, from + 1 + r.nextInt(4096));
                byte[] out = new byte[m.length - (to - from)];
                System.arraycopy(m, 0, out, 0, from);
                System.arraycopy(m, to, out, from, m.length - to);
                return out;
        }
    }

    /** Key ids carry 256 random bits and appear in no listing, metric, log or error. */
    @Test
    void keyIdsAreUnguessableAndNeverShown() throws Exception {
        Plan p = plan("lola-small");
        KeyGenerator kg = new KeyGenerator(p.parameters(), RND);
        EvaluationKeys evk = kg.evaluationKeys(kg.secretKey(), p.keyRequirements());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            KeyId id = client.registerKeys("lola-small", evk).keyId();
            ISSUED.add(id.value());
            assertEquals(KeyId.BYTES, Base64.getUrlDecoder().decode(id.value()).length);
            assertTrue(ids.add(id.value()), "ids are distinct");
            assertEquals("KeyId[hidden]", id.toString());
        }
        String listings = client.models().toString() + client.metrics().toString() + client.health().toString() + LOG.text();
        for (String id : ISSUED) {
            assertFalse(listings.contains(id), "a key id appears in a listing, the metrics or the log");
        }
        // bits look uniform: over 12 x 256 bits, the share of ones is near 1/2
        int ones = 0;
        for (String id : ids) {
            for (byte b : Base64.getUrlDecoder().decode(id)) {
                ones += Integer.bitCount(b & 0xFF);
            }
        }
        assertTrue(Math.abs(ones - 12 * 128) < 150, "ones " + ones + " of " + 12 * 256);
    }

    /** Nothing on the server side can hold a secret key; the client API sends only public objects. */
    @Test
    void theServerNeverHoldsOrAsksForASecretKey() {
        for (Class<?> c : List.of(PredictionServer.class, PredictionServer.Config.class, EvaluationKeyStore.class, HostedModel.class,
                ServerMetrics.class, LimitedInputStream.class, PredictionClient.class)) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                assertFalse(mentionsSecretKey(f.getGenericType().getTypeName()), c.getSimpleName() + "." + f.getName());
            }
            for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                assertFalse(mentionsSecretKey(m.toGenericString()), c.getSimpleName() + "." + m.getName());
            }
            for (java.lang.reflect.Constructor<?> k : c.getDeclaredConstructors()) {
                assertFalse(mentionsSecretKey(k.toGenericString()), c.getSimpleName() + " constructor");
            }
        }
    }

    private static boolean mentionsSecretKey(String type) {
        return type.contains("SecretKey") && !type.contains("javax.crypto");
    }

    @Test
    void modelsListThePublicPlan() throws Exception {
        JsonNode models = client.models().get("models");
        assertEquals(2, models.size());
        JsonNode m = models.get(1);
        Plan p = plan("lola");
        assertEquals("lola", m.get("name").asText());
        assertEquals(String.format("%016x", p.fingerprint()), m.get("plan_fingerprint").asText());
        assertEquals(p.parameters().ringDegree(), m.get("parameters").get("ring_degree").asInt());
        assertEquals(p.keyRequirements().rotations().size(), m.get("keys").get("rotations").size());
        assertEquals("BITS_128", m.get("parameters").get("security").asText());
        JsonNode metrics = client.metrics();
        for (String f : List.of("requests", "responses", "errors", "queue_length", "predict_latency_s", "keys")) {
            assertTrue(metrics.has(f), f + " in " + metrics);
        }
    }
}
