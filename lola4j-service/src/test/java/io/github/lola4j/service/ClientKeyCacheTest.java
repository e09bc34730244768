package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.input;
import static io.github.lola4j.service.ServiceTestSupport.plan;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.lola.ResultOutOfRangeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key cache shared by threads and processes: one registration, every score its own, records
 * that are one atomic unit, damaged records discarded and never used, and a result of other keys
 * refused at every layer (server 409, decryption range check, the CLI's exit code).
 */
class ClientKeyCacheTest {

    private static final SecureRandom RND = new SecureRandom();
    /** lola-small's encrypted scores are within 1e-4 of plaintext (ClientPlanTest); a crossed key gives +-1e4. */
    private static final double BOUND = 1e-3;

    @TempDir
    Path tmp;
    private PredictionServer server;
    private PredictionClient client;

    @BeforeEach
    void start() throws IOException {
        server = ServiceTestSupport.quietServer("lola-small");
        client = new PredictionClient(server.uri(), null, Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private long storedKeySets() throws IOException {
        return client.metrics().get("keys").get("stored").asLong();
    }

    private static void assertScores(int image, double[] scores, String who) {
        double[] plain = plan("lola-small").network().forward(input("lola-small", image));
        assertEquals(plain.length, scores.length, who);
        for (int k = 0; k < plain.length; k++) {
            if (Math.abs(plain[k] - scores[k]) > BOUND) {
                throw new AssertionError(who + ", image " + image + ": score " + k + " is " + scores[k] + ", plaintext " + plain[k]);
            }
        }
    }

    /** Four client JVMs start at once on one cache folder, each classifying images twice in a row. */
    @Test
    void fourProcessesSharingACacheNeverCrossKeys() throws Exception {
        Path cache = tmp.resolve("keys");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        int perProcess = 3;
        for (int p = 0; p < 4; p++) {
            Path out = tmp.resolve("probe-" + p + ".out");
            outs.add(out);
            procs.add(new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), CacheProbe.class.getName(),
                    server.uri().toString(), cache.toString(), Integer.toString(10 * p), Integer.toString(perProcess))
                    .redirectOutput(out.toFile()).redirectError(tmp.resolve("probe-" + p + ".err").toFile()).start());
        }
        for (int p = 0; p < procs.size(); p++) {
            assertTrue(procs.get(p).waitFor(240, TimeUnit.SECONDS), "probe " + p + " finished");
            assertEquals(0, procs.get(p).exitValue(), "probe " + p + ": " + Files.readString(tmp.resolve("probe-" + p + ".err")));
        }
        int lines = 0;
        int made = 0;
        for (int p = 0; p < outs.size(); p++) {
            for (String line : Files.readAllLines(outs.get(p))) {
                String[] f = line.trim().split(" ");
                int image = Integer.parseInt(f[1]);
                made += f[2].equals("made") && f[0].equals("0") && image == 10 * p ? 1 : 0;
                double[] scores = new double[f.length - 3];
                for (int k = 0; k < scores.length; k++) {
                    scores[k] = Double.parseDouble(f[k + 3]);
                }
                assertScores(image, scores, "process " + p + " round " + f[0]);
                lines++;
            }
        }
        assertEquals(4 * 2 * perProcess, lines, "every prediction of every round was printed");
        assertEquals(1, made, "one process made and registered the keys, the others read them under the lock");
        assertEquals(1, storedKeySets(), "one key upload for the shared entry");
    }

    /** The same with threads sharing one ClientKeyCache object. */
    @Test
    void threadsSharingACacheRegisterOnceAndNeverCross() throws Exception {
        ClientKeyCache cache = new ClientKeyCache(tmp.resolve("keys"));
        int threads = 4;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            done.add(pool.submit(() -> {
                go.await();
                for (int round = 0; round < 2; round++) {
                    ClientSession s = ClientSession.open(client, "lola-small", cache, new SecureRandom(), false);
                    for (int i = 0; i < 2; i++) {
                        int image = 20 + 3 * id + i;
                        assertScores(image, s.predict(input("lola-small", image)).scores(), "thread " + id);
                    }
                }
                return true;
            }));
        }
        go.countDown();
        for (Future<Boolean> f : done) {
            assertTrue(f.get(240, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(1, storedKeySets(), "one key upload for the shared entry");
    }

    /** The failure, made on purpose: a record with one secret key beside another's key id. */
    @Test
    void aCrossedRecordIsRepairedOrRefusedNeverBelieved() throws Exception {
        Plan p = plan("lola-small");
        ClientPlan cp = client.clientPlan("lola-small");
        URI u = client.server();
        SecretKey mine = new KeyGenerator(p.parameters(), RND).secretKey();
        KeyGenerator kg = new KeyGenerator(p.parameters(), RND);
        SecretKey theirs = kg.secretKey();
        EvaluationKeys theirKeys = kg.evaluationKeys(theirs, p.keyRequirements());
        PredictionClient.Registration reg = client.registerKeys("lola-small", theirKeys);
        KeysDigest myDigest = KeysDigest.of(new CkksSerializer(p.parameters()).toBytes(
                new KeyGenerator(p.parameters(), RND).evaluationKeys(mine, p.keyRequirements())));
        ClientKeyCache cache = new ClientKeyCache(tmp.resolve("keys"));

        // their id with my digest: the server holds other keys under the id, answers 409, the session registers its own
        cache.store(u, cp, new ClientKeyCache.Entry(mine, reg.keyId(), myDigest));
        ClientSession s = ClientSession.open(client, "lola-small", cache, RND, false);
        ClientSession.Result r = s.predict(input("lola-small", 30));
        assertTrue(r.reregistered(), "the 409 made the session register the keys of its own secret key");
        assertScores(30, r.scores(), "after re-registering");
        ClientKeyCache.Entry now = cache.read(u, cp).orElseThrow();
        assertFalse(now.keyId().equals(reg.keyId()), "the record now holds the session's own id");
        assertEquals(2, storedKeySets());

        // a record consistent in id and digest but with another secret key (only a forged or buggy
        // record can be like this): the server evaluates with their keys, the decryption refuses
        cache.store(u, cp, new ClientKeyCache.Entry(mine, reg.keyId(), reg.keysDigest()));
        ClientSession forged = ClientSession.open(client, "lola-small", cache, RND, false);
        ResultOutOfRangeException e = assertThrows(ResultOutOfRangeException.class, () -> forged.predict(input("lola-small", 31)));
        assertTrue(e.likelyWrongKey(), e.getMessage());

    }

    /** Mutants of a real record: discarded (and reported) or read back identical, never anything else. */
    @Test
    void damagedRecordsAreDiscardedNeverUsed() throws Exception {
        fuzzRecords(Integer.getInteger("lola4j.fuzz.records", 300));
    }

    @Tag("slow")
    @Test
    void damagedRecordsAreDiscardedNeverUsedManyMutants() throws Exception {
        fuzzRecords(1500);
    }

    private void fuzzRecords(int mutants) throws Exception {
        Plan p = plan("lola-small");
        ClientPlan cp = p.clientPlan();
        URI u = URI.create("http://127.0.0.1:9");
        List<String> warnings = new ArrayList<>();
        ClientKeyCache cache = new ClientKeyCache(tmp.resolve("fuzz"), warnings::add);
        SecretKey sk = new KeyGenerator(p.parameters(), RND).secretKey();
        byte[] d = new byte[32];
        RND.nextBytes(d);
        ClientKeyCache.Entry e = new ClientKeyCache.Entry(sk, KeyId.random(RND), KeysDigest.ofBytes(d));
        cache.store(u, cp, e);
        Path f = cache.entry(u, cp).resolve("keys");
        byte[] good = Files.readAllBytes(f);
        ClientKeyCache.Entry back = cache.read(u, cp).orElseThrow();
        assertSame(e, back, cp);
        // another plan's or server's record is not this entry's
        assertTrue(cache.read(URI.create("http://127.0.0.1:10"), cp).isEmpty());
        SplittableRandom r = new SplittableRandom(20261207);
        int discarded = 0;
        int identical = 0;
        for (int i = 0; i < mutants; i++) {
            byte[] m = mutate(good, r);
            Files.write(f, m);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            int before = warnings.size();
            java.util.Optional<ClientKeyCache.Entry> got;
            try {
                got = cache.read(u, cp);
            } catch (RuntimeException | IOException x) {
                throw new AssertionError("mutant " + i + " (" + m.length + " bytes): " + x, x);
            }
            if (got.isEmpty()) {
                assertEquals(before + 1, warnings.size(), "mutant " + i + ": a discarded record is reported");
                assertFalse(Files.exists(f), "mutant " + i + ": a discarded record is deleted");
                discarded++;
            } else {
                assertTrue(Arrays.equals(m, good), "mutant " + i + " was read although it differs");
                assertSame(e, got.get(), cp);
                identical++;
            }
        }
        System.out.printf("fuzz key-cache records: %d mutants, %d discarded, %d identical%n", mutants, discarded, identical);
        assertEquals(mutants, discarded + identical);
    }

    /** A record as earlier releases wrote it (magic "L4JKEYS1", big-endian, SHA-256 at the end) still reads. */
    @Test
    void aRecordOfAnEarlierReleaseStillReads() throws Exception {
        Plan p = plan("lola-small");
        ClientPlan cp = p.clientPlan();
        URI u = URI.create("http://127.0.0.1:9");
        List<String> warnings = new ArrayList<>();
        ClientKeyCache cache = new ClientKeyCache(tmp.resolve("legacy"), warnings::add);
        byte[] d = new byte[32];
        RND.nextBytes(d);
        ClientKeyCache.Entry e = new ClientKeyCache.Entry(new KeyGenerator(p.parameters(), RND).secretKey(), KeyId.random(RND),
                KeysDigest.ofBytes(d));
        byte[] now = ClientKeyCache.encode(u, cp, e);
        assertEquals((byte) 0xCC, now[3], "written in the envelope");
        byte[] payload = Arrays.copyOfRange(now, io.github.lola4j.format.Envelope.HEADER_BYTES,
                now.length - io.github.lola4j.format.Envelope.TRAILER_BYTES);
        ByteArrayOutputStream old = new ByteArrayOutputStream();
        old.write(ClientKeyCache.LEGACY_MAGIC);
        old.write(new byte[] {0, 1});
        old.write(payload);
        old.write(java.security.MessageDigest.getInstance("SHA-256").digest(old.toByteArray()));
        cache.store(u, cp, e); // makes the entry's folder with its permissions
        Path f = cache.entry(u, cp).resolve("keys");
        Files.write(f, old.toByteArray());
        assertSame(e, cache.read(u, cp).orElseThrow(), cp);
        assertTrue(warnings.isEmpty(), warnings.toString());
        byte[] bad = old.toByteArray();
        bad[bad.length / 2] ^= 1;
        Files.write(f, bad);
        assertTrue(cache.read(u, cp).isEmpty(), "a damaged old record is discarded");
        assertEquals(1, warnings.size(), warnings.toString());
    }

    private static void assertSame(ClientKeyCache.Entry a, ClientKeyCache.Entry b, ClientPlan cp) throws IOException {
        CkksSerializer ser = new CkksSerializer(cp.parameters());
        ByteArrayOutputStream x = new ByteArrayOutputStream();
        ByteArrayOutputStream y = new ByteArrayOutputStream();
        ser.writeSecretKey(x, a.secretKey());
        ser.writeSecretKey(y, b.secretKey());
        assertArrayEquals(x.toByteArray(), y.toByteArray());
        assertEquals(a.keyId(), b.keyId());
        assertEquals(a.keysDigest(), b.keysDigest());
    }

    private static byte[] mutate(byte[] b, SplittableRandom r) {
        byte[] m = b.clone();
        switch (r.nextInt(6)) {
            case 0: // flip one bit
                m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                return m;
            case 1: // set a byte to an edge value
                m[r.nextInt(m.length)] = (byte) new int[] {0, 0xFF, 0x7F, 0x80}[r.nextInt(4)];
                return m;
            case 2: // truncate (a half-written record)
                return Arrays.copyOf(m, r.nextInt(m.length));
            case 3: // append
                byte[] longer = Arrays.copyOf(m, m.length + 1 + r.nextInt(64));
                return longer;
            case 4: // overwrite a 4-byte field near the start with a large or negative length
                int at = r.nextInt(Math.min(m.length - 4, 128));
                int v = new int[] {-1, Integer.MAX_VALUE, 0, 1 << 30}[r.nextInt(4)];
                m[at] = (byte) (v >>> 24);
                m[at + 1] = (byte) (v >>> 16);
                m[at + 2] = (byte) (v >>> 8);
                m[at + 3] = (byte) v;
                return m;
            default: // the same bytes (must read back identical)
                return m;
        }
    }
}
