package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.input;
import static io.github.lola4j.service.ServiceTestSupport.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients against one server on loopback, while an honest client keeps classifying: slow
 * headers, slow bodies on a valid key id, slow key uploads, re-uploads of the same keys, endless and
 * oversized bodies, oversized headers, malformed chunks, a memory budget full of waiting inputs.
 * The attackers connect from 127.0.0.2 to 127.0.0.9 (the whole 127/8 is loopback), the honest client
 * from 127.0.0.1, so that per-client quotas apply to them and not to it. Every hostile request gets a
 * 4xx or a 503 with Retry-After, or is cut off, within its deadline; every honest result is exact.
 */
class ServiceSiegeTest {

    private static final SecureRandom RND = new SecureRandom();
    private static final long READ_TIMEOUT_MS = 1000;

    private PredictionServer server;
    private PredictionClient client;
    private final ServiceTestSupport.Log log = new ServiceTestSupport.Log();
    private final AtomicBoolean stopHonest = new AtomicBoolean();
    private final AtomicInteger honest = new AtomicInteger();
    private ExecutorService bg;
    private Future<?> honestLoop;

    @BeforeEach
    void start() throws IOException {
        server = PredictionServer.start(List.of(HostedModel.of("lola-small", plan("lola-small"))),
                new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).maxConcurrent(2).queueCapacity(16)
                        .readTimeout(Duration.ofMillis(READ_TIMEOUT_MS)).minUploadRate(256 << 10).maxConnectionsPerClient(32)
                        .maxRequestsPerClient(4).keyUploadsPerMinute(3).log(log.stream));
        client = new PredictionClient(server.uri(), null, Duration.ofSeconds(60));
        bg = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() throws Exception {
        stopHonest.set(true);
        if (honestLoop != null) {
            honestLoop.get(120, TimeUnit.SECONDS);
        }
        bg.shutdownNow();
        server.close();
    }

    /** An honest client classifying in a loop, every score checked against plaintext. */
    private void startHonestClient() {
        honestLoop = bg.submit(() -> {
            ClientSession s = ClientSession.open(client, "lola-small", null, RND, false);
            int i = 0;
            while (!stopHonest.get() || honest.get() < 3) {
                int image = 40 + i++ % 20;
                double[] x = input("lola-small", image);
                double[] plain = plan("lola-small").network().forward(x);
                double[] got = s.predict(x).scores();
                for (int k = 0; k < plain.length; k++) {
                    if (Math.abs(plain[k] - got[k]) > 1e-3) {
                        throw new AssertionError("image " + image + " score " + k + ": " + got[k] + " vs " + plain[k]);
                    }
                }
                honest.incrementAndGet();
            }
            return null;
        });
    }

    private void awaitHonest(int more, long seconds) throws Exception {
        int target = honest.get() + more;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (honest.get() < target && System.nanoTime() < end) {
            if (honestLoop.isDone()) {
                honestLoop.get();
            }
            Thread.sleep(20);
        }
        assertTrue(honest.get() >= target, "the honest client made " + honest.get() + " of " + target + " predictions");
    }

    private Socket attacker(int n) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0." + n, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    /** The status of an answer on a raw connection, or -1 when the server closed it without one. */
    private static int status(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        String l = line.toString(StandardCharsets.US_ASCII);
        if (!l.startsWith("HTTP/1.1 ")) {
            return -1;
        }
        return Integer.parseInt(l.substring(9, 12));
    }

    /** Whether the server closed the connection (EOF or reset) within the wait. */
    private static boolean closedWithin(Socket s, long millis) throws IOException {
        s.setSoTimeout((int) millis);
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // an answer before the close is fine
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static byte[] head(String method, String path, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private JsonNode metrics() throws IOException {
        return client.metrics();
    }

    @Test
    void slowHeadersAreCutAndHealthAnswers() throws Exception {
        startHonestClient();
        awaitHonest(1, 60);
        List<Socket> drips = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Socket s = attacker(2);
            s.getOutputStream().write("POST /v1/predict HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            drips.add(s);
        }
        long t0 = System.nanoTime();
        // drip one header byte every 100 ms on each while health and predictions go on
        Future<?> dripping = bg.submit(() -> {
            for (int k = 0; k < 30; k++) {
                for (Socket s : drips) {
                    try {
                        s.getOutputStream().write('X');
                    } catch (IOException closed) {
                        // cut off: what the server should do
                    }
                }
                Thread.sleep(100);
            }
            return null;
        });
        for (int k = 0; k < 5; k++) {
            long h0 = System.nanoTime();
            assertEquals("ok", client.health().get("status").asText());
            assertTrue(System.nanoTime() - h0 < 2_000_000_000L, "health answered within 2 s");
        }
        awaitHonest(2, 60);
        for (Socket s : drips) {
            assertTrue(closedWithin(s, 5000), "a dripping connection is closed");
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        dripping.get(30, TimeUnit.SECONDS);
        JsonNode c = metrics().get("connections");
        System.out.printf(Locale.ROOT, "siege slow headers: 40 connections, all cut within %.1f s (%d over the per-client limit,"
                + " %d at the header deadline)%n", seconds, c.get("refused_per_client").asLong(), c.get("header_timeouts").asLong());
        assertTrue(c.get("refused_per_client").asLong() >= 8, c.toString());
        assertTrue(c.get("header_timeouts").asLong() >= 32 - 1 && c.get("header_timeouts").asLong() <= 40, c.toString());
        for (Socket s : drips) {
            s.close();
        }
    }

    @Test
    void slowBodiesOnAValidKeyIdLockNobodyOut() throws Exception {
        startHonestClient();
        awaitHonest(1, 60);
        ClientPlan cp = plan("lola-small").clientPlan();
        KeyGenerator kg = new KeyGenerator(cp.parameters(), RND);
        SecretKey sk = kg.secretKey();
        PredictionClient.Registration reg = client.registerKeys("lola-small", kg.evaluationKeys(sk, cp.keyRequirements()));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        cp.writeTensor(body, cp.encryptInput(input("lola-small", 1), sk, RND));
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket s = attacker(3);
            s.getOutputStream().write(head("POST", Protocol.PREDICT + "?model=lola-small", "Content-Type: " + Protocol.TENSOR_TYPE,
                    "Content-Length: " + body.size(), Protocol.KEY_ID_HEADER + ": " + reg.keyId().value(),
                    Protocol.KEYS_DIGEST_HEADER + ": " + reg.keysDigest().hex()));
            s.getOutputStream().write(body.toByteArray(), 0, 100);
            slow.add(s);
        }
        awaitHonest(3, 60);
        int refused = 0;
        int cut = 0;
        for (Socket s : slow) {
            s.setSoTimeout(20_000);
            int st;
            try {
                st = status(s);
            } catch (IOException e) {
                st = -1;
            }
            if (st == 429) {
                refused++;
            } else {
                assertTrue(st == 408 || st == -1, "a slow body is answered 408 or cut off: " + st);
                cut++;
            }
        }
        System.out.printf(Locale.ROOT, "siege slow bodies: 20 on one key id, %d refused at the per-client limit (429), %d answered"
                + " 408 or cut at the body deadline%n", refused, cut);
        assertTrue(refused >= 16, "beyond 4 in progress a client gets 429: " + refused);
        assertTrue(metrics().get("connections").get("body_timeouts").asLong() >= 1);
        assertTrue(log.text().contains("POST /v1/predict 408"), "a stalled body leaves a log line");
    }

    @Test
    void slowKeyUploadsAndReuploadsCannotStopRegistrations() throws Exception {
        ClientPlan cp = plan("lola-small").clientPlan();
        KeyGenerator kg = new KeyGenerator(cp.parameters(), RND);
        EvaluationKeys evk = kg.evaluationKeys(kg.secretKey(), cp.keyRequirements());
        byte[] keys = new CkksSerializer(cp.parameters()).toBytes(evk);
        // two slow uploads from one address
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Socket s = attacker(4);
            s.getOutputStream().write(head("POST", Protocol.KEYS + "?model=lola-small", "Content-Type: " + Protocol.EVALUATION_KEYS_TYPE,
                    "Content-Length: " + keys.length));
            s.getOutputStream().write(keys, 0, 1000);
            slow.add(s);
        }
        // the same keys, re-uploaded in full and fast from another address: 3 a minute, one stored copy
        int[] statuses = new int[6];
        for (int i = 0; i < statuses.length; i++) {
            try (Socket s = attacker(5)) {
                OutputStream out = s.getOutputStream();
                out.write(head("POST", Protocol.KEYS + "?model=lola-small", "Content-Type: " + Protocol.EVALUATION_KEYS_TYPE,
                        "Content-Length: " + keys.length, "Expect: 100-continue"));
                out.flush();
                int first = status(s);
                if (first == 100) {
                    status(s); // the blank line after 100 Continue
                    out.write(keys);
                    out.flush();
                    first = status(s);
                }
                statuses[i] = first;
            }
        }
        assertEquals(201, statuses[0]);
        assertEquals(201, statuses[2]);
        for (int i = 3; i < statuses.length; i++) {
            assertEquals(429, statuses[i], "upload " + i + " of one client within a minute");
        }
        JsonNode k = metrics().get("keys");
        assertEquals(3, k.get("stored").asLong(), k.toString());
        assertEquals(1, k.get("distinct").asLong(), "the same keys are stored once: " + k);
        // an honest newcomer still registers and gets exact results
        startHonestClient();
        awaitHonest(2, 60);
        for (Socket s : slow) {
            assertTrue(closedWithin(s, 10_000), "a slow upload is cut at its deadline");
            s.close();
        }
        System.out.printf(Locale.ROOT, "siege key uploads: 2 slow uploads cut, re-uploads %s, keys %s%n",
                java.util.Arrays.toString(statuses), k);
    }

    @Test
    void oversizedEndlessAndMalformedRequestsGetTheirAnswerAtOnce() throws Exception {
        startHonestClient();
        awaitHonest(1, 60);
        String[][] cases = {
            // a declared length of 10^12 bytes: 413 before any byte of the body is read
            {"413", "POST " + Protocol.PREDICT + "?model=lola-small", "Content-Type: " + Protocol.TENSOR_TYPE,
                "Content-Length: 1000000000000", Protocol.KEY_ID_HEADER + ": " + KeyId.random(RND).value()},
            // a header of 16 KiB
            {"431", "GET " + Protocol.HEALTH, "X-Filler: " + "a".repeat(16 << 10)},
        };
        for (String[] c : cases) {
            try (Socket s = attacker(6)) {
                long t0 = System.nanoTime();
                String[] hs = java.util.Arrays.copyOfRange(c, 2, c.length);
                String[] rl = c[1].split(" ", 2);
                s.getOutputStream().write(head(rl[0], rl[1], hs));
                assertEquals(Integer.parseInt(c[0]), status(s), c[1]);
                assertTrue(System.nanoTime() - t0 < 2_000_000_000L, c[0] + " within 2 s");
            }
        }
        // a malformed chunk on keys and predict: 400 at once, a log line and a metric
        for (String path : List.of(Protocol.KEYS + "?model=lola-small", Protocol.PREDICT + "?model=lola-small")) {
            try (Socket s = attacker(7)) {
                long t0 = System.nanoTime();
                String type = path.startsWith(Protocol.KEYS) ? Protocol.EVALUATION_KEYS_TYPE : Protocol.TENSOR_TYPE;
                s.getOutputStream().write(head("POST", path, "Content-Type: " + type, "Transfer-Encoding: chunked",
                        Protocol.KEY_ID_HEADER + ": " + KeyId.random(RND).value(),
                        Protocol.KEYS_DIGEST_HEADER + ": " + "0".repeat(64)));
                s.getOutputStream().write("zz\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                int st = status(s);
                assertTrue(st == 400 || st == 404, path + ": " + st);
                assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "answered within 2 s");
            }
        }
        // an endless chunked body at full speed: 413 once it passes the model's limit
        try (Socket s = attacker(8)) {
            s.getOutputStream().write(head("POST", Protocol.KEYS + "?model=lola-small", "Content-Type: " + Protocol.EVALUATION_KEYS_TYPE,
                    "Transfer-Encoding: chunked"));
            Future<?> pump = bg.submit(() -> {
                byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (int i = 0; i < 100_000; i++) {
                        s.getOutputStream().write(chunk);
                    }
                } catch (IOException closed) {
                    // the server stopped reading
                }
                return null;
            });
            int st = status(s);
            assertTrue(st == 400 || st == 413 || st == -1, "an endless body: " + st);
            pump.get(30, TimeUnit.SECONDS);
        }
        awaitHonest(2, 60);
        JsonNode m = metrics();
        assertTrue(m.get("responses").has("431") && m.get("responses").has("413"), m.toString());
        assertTrue(log.text().contains("431"), "the HTTP layer's refusals are logged");
    }

    /** The read timeout is for a client that stops sending, not for a request waiting for its evaluation. */
    @Test
    void aLongEvaluationOutlivesTheReadTimeout() throws Exception {
        server.close();
        server = PredictionServer.start(List.of(HostedModel.of("lola-small", plan("lola-small"))),
                new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).readTimeout(Duration.ofMillis(READ_TIMEOUT_MS))
                        .log(log.stream).beforeEvaluation(() -> {
                            try {
                                Thread.sleep(3 * READ_TIMEOUT_MS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }));
        client = new PredictionClient(server.uri(), null, Duration.ofSeconds(60));
        ClientSession s = ClientSession.open(client, "lola-small", null, RND, false);
        double[] x = input("lola-small", 9);
        double[] plain = plan("lola-small").network().forward(x);
        double[] got = s.predict(x).scores();
        for (int k = 0; k < plain.length; k++) {
            assertEquals(plain[k], got[k], 1e-3);
        }
    }

    @Test
    void aFullMemoryBudgetAnswers503NotOutOfMemory() throws Exception {
        server.close();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        // room for two waiting inputs: the third gets 503 with Retry-After while two evaluations are held
        long oneInput = plan("lola-small").clientPlan().inputMemoryBytes() + plan("lola-small").clientPlan().outputMemoryBytes();
        server = PredictionServer.start(List.of(HostedModel.of("lola-small", plan("lola-small"))),
                new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).maxConcurrent(2)
                        .inFlightBudgetBytes(2 * oneInput).maxRequestsPerClient(16).log(new PrintStream(new ByteArrayOutputStream(),
                                true, StandardCharsets.UTF_8)).beforeEvaluation(() -> {
                                    held.incrementAndGet();
                                    try {
                                        gate.await(60, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }));
        PredictionClient c = new PredictionClient(server.uri(), null, Duration.ofSeconds(60), 0);
        ClientSession a = ClientSession.open(c, "lola-small", null, RND, false);
        ClientSession b = ClientSession.open(c, "lola-small", null, RND, false);
        ClientSession third = ClientSession.open(c, "lola-small", null, RND, false);
        Future<ClientSession.Result> fa = bg.submit(() -> a.predict(input("lola-small", 1)));
        Future<ClientSession.Result> fb = bg.submit(() -> b.predict(input("lola-small", 2)));
        while (held.get() < 2) {
            Thread.sleep(10);
        }
        ServiceException e = org.junit.jupiter.api.Assertions.assertThrows(ServiceException.class,
                () -> third.predict(input("lola-small", 3)));
        assertEquals(503, e.status());
        assertEquals("server_memory_full", e.code());
        gate.countDown();
        assertEquals(plan("lola-small").network().forward(input("lola-small", 1)).length, fa.get(60, TimeUnit.SECONDS).scores().length);
        fb.get(60, TimeUnit.SECONDS);
        // the server returns a reservation once it has written the answer, which may be just after the
        // client has read it: wait for it (a leak would stay above zero)
        long inFlight = c.metrics().get("in_flight_bytes").asLong();
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); inFlight != 0 && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            inFlight = c.metrics().get("in_flight_bytes").asLong();
        }
        assertEquals(0, inFlight, "every reservation was returned");
        third.predict(input("lola-small", 3));
        JsonNode m = c.metrics();
        System.out.printf(Locale.ROOT, "siege memory: budget %d bytes (two inputs), the third waiting input got 503; metrics %s%n",
                2 * oneInput, m.get("responses"));
        client = c; // for stop()
    }
}
