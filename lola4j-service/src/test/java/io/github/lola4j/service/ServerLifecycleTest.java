package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.error;
import static io.github.lola4j.service.ServiceTestSupport.input;
import static io.github.lola4j.service.ServiceTestSupport.plan;
import static io.github.lola4j.service.ServiceTestSupport.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.nn.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Expiry, the full queue, graceful shutdown, TLS and the client's key cache, each on its own server. */
class ServerLifecycleTest {

    private static final SecureRandom RND = new SecureRandom();

    private static PredictionServer.Config config() {
        return new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).log(new ServiceTestSupport.Log().stream);
    }

    private static PredictionServer start(PredictionServer.Config c) throws IOException {
        return PredictionServer.start(List.of(HostedModel.of("lola-small", plan("lola-small"))), c);
    }

    private static int expected(int image) {
        return Tensor.argmax(plan("lola-small").network().forward(input("lola-small", image)));
    }

    @Test
    void expiredKeysAreRefusedAndTheSessionRegistersAgain() throws Exception {
        try (PredictionServer s = start(config().keyTtl(Duration.ofMillis(300)))) {
            PredictionClient c = new PredictionClient(s.uri(), null, Duration.ofSeconds(60));
            ClientSession session = ClientSession.open(c, "lola-small", null, RND, false);
            ClientSession.Result first = session.predict(input("lola-small", 4));
            assertFalse(first.reregistered());
            assertEquals(expected(4), first.prediction());
            Thread.sleep(600);
            ClientSession.Result again = session.predict(input("lola-small", 5));
            assertTrue(again.reregistered(), "the expired id was refused and the keys uploaded again");
            assertEquals(expected(5), again.prediction());
            assertTrue(again.bytesSent() > first.bytesSent(), "the upload counts in the bytes sent");
            assertTrue(c.metrics().get("keys").get("expired").asLong() >= 1);
        }
    }

    /**
     * One evaluation at a time and no queue: while one request is held inside its evaluation, the
     * next gets 503 with Retry-After; closing the server then refuses new work but finishes the
     * one in flight.
     */
    @Test
    void aFullServerAnswers503AndCloseFinishesTheWorkInFlight() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger evaluations = new AtomicInteger();
        PredictionServer s = start(config().maxConcurrent(1).queueCapacity(0).drainTimeout(Duration.ofSeconds(30))
                .beforeEvaluation(() -> {
                    if (evaluations.incrementAndGet() == 1) {
                        entered.countDown();
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }));
        ExecutorService bg = Executors.newFixedThreadPool(2);
        try {
            PredictionClient c = new PredictionClient(s.uri(), null, Duration.ofSeconds(60), 0);
            ClientSession session = ClientSession.open(c, "lola-small", null, RND, false);
            ClientSession other = ClientSession.open(c, "lola-small", null, RND, false);
            Future<ClientSession.Result> held = bg.submit(() -> session.predict(input("lola-small", 6)));
            assertTrue(entered.await(60, TimeUnit.SECONDS), "the first request reached its evaluation");
            ServiceException busy = assertThrows(ServiceException.class, () -> other.predict(input("lola-small", 7)));
            assertEquals(503, busy.status());
            assertEquals("busy", busy.code());
            URI u = s.uri();
            Future<?> closing = bg.submit(s::close);
            long deadline = System.nanoTime() + 10_000_000_000L;
            HttpResponse<String> health;
            do {
                Thread.sleep(20);
                health = raw(u, "GET", Protocol.HEALTH, null, null);
            } while (health.statusCode() != 503 && System.nanoTime() < deadline);
            assertEquals(503, health.statusCode(), "health says draining");
            assertTrue(health.body().contains("draining"), health.body());
            ServiceException draining = assertThrows(ServiceException.class, () -> other.predict(input("lola-small", 7)));
            assertEquals("shutting_down", draining.code());
            assertFalse(closing.isDone(), "close waits for the request in flight");
            release.countDown();
            assertEquals(expected(6), held.get(60, TimeUnit.SECONDS).prediction(), "the work in flight finished correctly");
            closing.get(60, TimeUnit.SECONDS);
            assertThrows(IOException.class, () -> raw(u, "GET", Protocol.HEALTH, null, null), "stopped");
        } finally {
            release.countDown();
            bg.shutdownNow();
            s.close();
        }
    }

    @Test
    void tlsWithAPrivateCertificate(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("server.p12");
        Path ts = dir.resolve("trust.p12");
        Path cert = dir.resolve("server.crt");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "test-pass", "-keypass", "test-pass");
        keytool("-exportcert", "-alias", "server", "-keystore", ks.toString(), "-storepass", "test-pass", "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-storetype", "PKCS12", "-keystore",
                ts.toString(), "-storepass", "trust-pass");
        try (PredictionServer s = start(config().tls(TlsContexts.server(ks, "test-pass".toCharArray())))) {
            assertEquals("https", s.uri().getScheme());
            PredictionClient c = new PredictionClient(s.uri(), TlsContexts.client(ts, "trust-pass".toCharArray()), Duration.ofSeconds(60));
            ClientSession session = ClientSession.open(c, "lola-small", null, RND, false);
            assertEquals(expected(8), session.predict(input("lola-small", 8)).prediction());
            PredictionClient untrusting = new PredictionClient(s.uri(), null, Duration.ofSeconds(60));
            assertThrows(IOException.class, untrusting::health, "the default trust store does not know the certificate");
        }
        IOException e = assertThrows(IOException.class, () -> TlsContexts.server(ks, "wrong".toCharArray()));
        assertTrue(e.getMessage().contains(ks.toString()), e.getMessage());
    }

    private static void keytool(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ": " + out);
    }

    /** The cache keeps the secret key and id private, reuses them, and refuses files others can read. */
    @Test
    void theKeyCacheIsPrivateAndReused(@TempDir Path dir) throws Exception {
        try (PredictionServer s = start(config())) {
            PredictionClient c = new PredictionClient(s.uri(), null, Duration.ofSeconds(60));
            ClientKeyCache cache = new ClientKeyCache(dir.resolve("keys"));
            ClientSession first = ClientSession.open(c, "lola-small", cache, RND, false);
            assertFalse(first.setup().cachedKeys());
            assertTrue(first.setup().keyBytesSent() > 0);
            ClientPlan plan = first.plan();
            Path entry = cache.entry(s.uri(), plan);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)));
            for (String f : List.of("keys", "lock", "about")) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(entry.resolve(f))), f);
            }
            ClientSession second = ClientSession.open(c, "lola-small", cache, RND, false);
            assertTrue(second.setup().cachedKeys());
            assertEquals(0, second.setup().keyBytesSent(), "the cached id needs no upload");
            assertEquals(expected(9), second.predict(input("lola-small", 9)).prediction(), "the cached secret key decrypts");
            SecretKey sk = cache.read(s.uri(), plan).orElseThrow().secretKey();
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            new io.github.lola4j.ckks.CkksSerializer(plan.parameters()).writeSecretKey(a, sk);
            assertTrue(Files.size(entry.resolve("keys")) > a.size(), "the record holds the secret key");
            Files.setPosixFilePermissions(entry.resolve("keys"), PosixFilePermissions.fromString("rw-r--r--"));
            IOException e = assertThrows(IOException.class, () -> ClientSession.open(c, "lola-small", cache, RND, false));
            assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        }
    }

    @Test
    void errorsOfAClosedOrUnknownServerAreClear() throws Exception {
        PredictionServer s = start(config());
        URI u = s.uri();
        s.close();
        s.close();
        PredictionClient c = new PredictionClient(u, null, Duration.ofSeconds(5));
        assertThrows(IOException.class, c::health);
        assertThrows(IllegalArgumentException.class, () -> new PredictionClient(URI.create("ftp://x"), null, Duration.ofSeconds(5)));
        try (PredictionServer t = start(config())) {
            HttpResponse<String> r = raw(t.uri(), "GET", Protocol.MODELS + "/lola-small/plan", null, null);
            assertEquals(200, r.statusCode());
            assertEquals(404, raw(t.uri(), "GET", Protocol.MODELS + "/other/plan", null, null).statusCode());
            error(raw(t.uri(), "DELETE", Protocol.KEYS, null, null));
        }
    }
}
