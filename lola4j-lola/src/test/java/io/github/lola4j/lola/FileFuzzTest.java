package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.testkit.Mutator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input for the lola files: mutants of plan files, client-plan files and encrypted tensors
 * are refused with an IOException or read back as exactly the original (issue 25: no silent wrong
 * answers). Forged mutants change a file's content and recompute its lengths and checksums, so the
 * parsers behind the integrity checks are reached; they may also read as the valid file they have
 * become. {@link Mutator.Campaign} states the rule and prints one summary line per family.
 *
 * <p>Small networks at N = 8192 keep the default run short; {@code mvn -Pslow} runs at
 * least 1,500 mutants per family, {@code -Dlola4j.fuzz.mutants=N} sets the default run's count and
 * {@code -Dlola4j.fuzz.seed=S} its first seed (to explore other mutants).
 */
class FileFuzzTest {

    /** Mutants per family in the default run. */
    private static final int DEFAULT_MUTANTS = 200;
    /** Mutants per family with -Pslow. */
    private static final int SLOW_MUTANTS = 1500;
    /** The bound for one mutant: generous, a hang is minutes. */
    private static final Duration PER_MUTANT = Duration.ofSeconds(20);

    private static Plan densePlan;
    private static Plan convPlan;
    private static Plan batchPlan;
    private static byte[] densePlanFile;
    private static byte[] convPlanFile;
    private static byte[] inputTensor;
    private static byte[] outputTensor;

    @BeforeAll
    static void compile() throws IOException {
        // N = 8192, the smallest ring degree the built-in cost model (which Plan.read uses) times.
        CompileOptions options = CompileOptions.lowLatency().withRingDegrees(8192);
        Network dense = CompilerTest.net(Shape.of(32), 1.0, 21, Dense.zeros(32, 16), Square.INSTANCE, Dense.zeros(16, 4));
        // The dense input layout: a small body (a gather layout of 32 inputs fills a megabyte of
        // slot maps, which the convolution net's plan covers).
        densePlan = LolaCompiler.compile(dense, options.withInput(InputLayout.DENSE)
                .withCalibration(CompilerTest.inputs(dense, 8, 1)));
        Network conv = CompilerTest.net(Shape.of(1, 8, 8), 1.0, 22, Conv2d.zeros(new Conv2d.Geometry(1, 2, 3, 3, 1, 1, 0, 0, 0, 0)),
                Square.INSTANCE, Flatten.INSTANCE, Dense.zeros(72, 3));
        convPlan = LolaCompiler.compile(conv, options.withCalibration(CompilerTest.inputs(conv, 8, 1)));
        batchPlan = LolaCompiler.compile(dense, CompileOptions.batch().withRingDegrees(8192).withBatchSize(16)
                .withCalibration(CompilerTest.inputs(dense, 8, 1)));
        densePlanFile = planBytes(densePlan);
        convPlanFile = planBytes(convPlan);

        SecureRandom rnd = new SecureRandom();
        CkksParameters p = densePlan.parameters();
        ClientPlan c = densePlan.clientPlan();
        KeyGenerator kg = new KeyGenerator(p, rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, densePlan.keyRequirements());
        EncryptedTensor x = c.encryptInput(CompilerTest.inputs(dense, 1, 3).get(0), sk, rnd);
        outputTensor = tensorBytes(c, densePlan.evaluate(x, evk));
        // The input tensor of the convolution net: several ciphertexts (one per tap group).
        ClientPlan cc = convPlan.clientPlan();
        SecretKey csk = new KeyGenerator(convPlan.parameters(), rnd).secretKey();
        inputTensor = tensorBytes(cc, cc.encryptInput(CompilerTest.inputs(conv, 1, 3).get(0), csk, rnd));
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] planBytes(Plan plan) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            plan.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] clientBytes(ClientPlan c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.write(out);
        return out.toByteArray();
    }

    private static byte[] tensorBytes(ClientPlan c, EncryptedTensor x) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTensor(out, x);
        return out.toByteArray();
    }

    /** The body of a lola file (its envelope checked). */
    private static byte[] body(byte[] file, Envelope.Kind kind, int version) {
        try {
            return FramedFile.read(new ByteArrayInputStream(file), kind, new byte[8], version, Integer.MAX_VALUE - 64, "test file").bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file around a body: the length and the CRC32C computed for it. */
    private static byte[] frame(Envelope.Kind kind, int version, long fingerprint, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            FramedFile.write(out, kind, version, fingerprint, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The fingerprint a body starts with (big-endian u64), or 0 for a body too short to hold one. */
    private static long leadingFingerprint(byte[] body) {
        return body.length < 8 ? 0 : java.nio.ByteBuffer.wrap(body).getLong();
    }

    /** A plan file around a forged body, its header's fingerprint the body's own, so that the parser sees it. */
    private static byte[] planFile(byte[] body) {
        return frame(Envelope.Kind.PLAN, PlanFile.VERSION, leadingFingerprint(body), body);
    }

    /** A client-plan file around a forged deflated body (fingerprint 0 when it does not inflate). */
    private static byte[] packedClientFile(byte[] packed) {
        long fp;
        try {
            fp = leadingFingerprint(inflate(packed));
        } catch (RuntimeException e) {
            fp = 0;
        }
        return frame(Envelope.Kind.CLIENT_PLAN, ClientPlan.VERSION, fp, packed);
    }

    /** Deflates at a given level (ClientPlan.write uses the best compression). */
    static byte[] deflate(byte[] b, int level) {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        Deflater z = new Deflater(level);
        try (DeflaterOutputStream zo = new DeflaterOutputStream(packed, z)) {
            zo.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            z.end();
        }
        return packed.toByteArray();
    }

    private static byte[] inflate(byte[] b) {
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(b))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A client-plan file around an inflated body. Deflated fast: the best compression the writer
     * uses takes a second on a megabyte of slot maps, and the reader accepts any deflate stream.
     */
    private static byte[] clientFile(byte[] inflatedBody) {
        return frame(Envelope.Kind.CLIENT_PLAN, ClientPlan.VERSION, leadingFingerprint(inflatedBody),
                deflate(inflatedBody, Deflater.BEST_SPEED));
    }

    /** The canonical form of a client-plan file: its inflated body (deflate has many encodings of one body). */
    private static byte[] clientBody(byte[] file) {
        return inflate(body(file, Envelope.Kind.CLIENT_PLAN, ClientPlan.VERSION));
    }

    private static Mutator.Campaign<Plan> planCampaign(String family, byte[] file) {
        return new Mutator.Campaign<>(family, file, b -> Plan.read(new ByteArrayInputStream(b)), FileFuzzTest::planBytes,
                PER_MUTANT);
    }

    private static Mutator.Campaign<ClientPlan> clientCampaign(String family, byte[] file) {
        return new Mutator.Campaign<>(family, file, b -> ClientPlan.read(new ByteArrayInputStream(b)),
                c -> clientBody(clientBytes(c)), FileFuzzTest::clientBody, PER_MUTANT);
    }

    // ------------------------------------------------------------------ families

    private static void plans(int mutants, long seed) {
        // A fifth raw mutants (the envelope), the rest forged bodies, half of them focused on the
        // counts and lengths at the front of the body. The CRC32C would refuse nearly every raw
        // mutant of the body before any parser saw it.
        int raw = mutants / 5;
        int forged = (mutants - raw) / 2;
        byte[] body = body(densePlanFile, Envelope.Kind.PLAN, PlanFile.VERSION);
        byte[] convBody = body(convPlanFile, Envelope.Kind.PLAN, PlanFile.VERSION);
        planCampaign("plan (dense net)", densePlanFile)
                .raw(raw, seed, 0, 24)
                .forged(body, FileFuzzTest::planFile, forged, seed + 1_000_000, 0, 64)
                .finish();
        planCampaign("plan (convolution net)", convPlanFile)
                .forged(convBody, FileFuzzTest::planFile, mutants - raw - forged, seed + 2_000_000,
                        convBody.length - 512, convBody.length)
                .finish();
    }

    private static void clientPlans(int mutants, long seed) throws IOException {
        List<Plan> plans = List.of(densePlan, convPlan, batchPlan);
        List<String> nets = List.of("dense net", "convolution net", "dense net, batch of 16");
        int each = (mutants + plans.size() - 1) / plans.size();
        for (int k = 0; k < plans.size(); k++) {
            ClientPlan c = plans.get(k).clientPlan();
            byte[] file = clientBytes(c);
            byte[] packed = body(file, Envelope.Kind.CLIENT_PLAN, ClientPlan.VERSION);
            byte[] inflated = inflate(packed);
            // Where the representations' counts are: after the parameters, and the output's at the end.
            int input = inputRepresentationOffset(inflated, c);
            int raw = each / 10;
            int deflated = each / 10;
            int front = (each - raw - deflated) / 2;
            long s = seed + k * 10_000_000L;
            String family = "client-plan (" + nets.get(k) + ": " + c.inputRepresentation().kind()
                    + " input, " + c.outputRepresentation().kind() + " output)";
            clientCampaign(family, file)
                    .raw(raw, s, 0, 24)
                    .forged(packed, FileFuzzTest::packedClientFile, deflated, s + 1_000_000, 0, packed.length)
                    .forged(inflated, FileFuzzTest::clientFile, front, s + 2_000_000, 0, input + 64)
                    .forged(inflated, FileFuzzTest::clientFile, each - raw - deflated - front, s + 3_000_000,
                            inflated.length - 256, inflated.length)
                    .finish();
        }
    }

    /** The offset of the input representation in a client plan's body: after the parameters. */
    private static int inputRepresentationOffset(byte[] inflated, ClientPlan c) {
        byte[] p = new CkksSerializer(c.parameters()).parametersToBytes();
        int at = indexOf(inflated, p);
        assertTrue(at > 0, "the parameters are in the body");
        return at + p.length + 2 + 4 + 4 * c.keyRequirements().rotations().size();
    }

    private static void tensors(int mutants, long seed) {
        ClientPlan c = densePlan.clientPlan();
        ClientPlan cc = convPlan.clientPlan();
        // The tensor header (36 bytes: the envelope around the ciphertext and image counts) and the
        // first ciphertext's header (24 bytes, then level, degree, flags and scale) are where the counts are.
        new Mutator.Campaign<>("tensor (input, " + cc.inputRepresentation().ciphertexts() + " ciphertexts)", inputTensor,
                b -> cc.readInput(new ByteArrayInputStream(b)), x -> tensorBytes(cc, x), PER_MUTANT)
                .raw(mutants / 2, seed, 0, 36 + 24 + 11)
                .finish();
        new Mutator.Campaign<>("tensor (output)", outputTensor, b -> c.readOutput(new ByteArrayInputStream(b)),
                x -> tensorBytes(c, x), PER_MUTANT)
                .raw(mutants - mutants / 2, seed + 1_000_000, 0, 36 + 24 + 11)
                .finish();
    }

    @Test
    void planFilesAreRefusedOrReadExactly() {
        plans(Mutator.mutants(DEFAULT_MUTANTS), Mutator.seed(1));
    }

    @Test
    void clientPlanFilesAreRefusedOrReadExactly() throws IOException {
        clientPlans(Mutator.mutants(DEFAULT_MUTANTS), Mutator.seed(1));
    }

    @Test
    void tensorsAreRefusedOrReadExactly() {
        tensors(Mutator.mutants(DEFAULT_MUTANTS), Mutator.seed(1));
    }

    @Test
    @Tag("slow")
    void manyMutantsOfEveryLolaFile() throws IOException {
        int n = Math.max(SLOW_MUTANTS, Mutator.mutants(SLOW_MUTANTS));
        plans(n, Mutator.seed(100_000_000L));
        clientPlans(n, Mutator.seed(100_000_000L));
        tensors(n, Mutator.seed(100_000_000L));
    }

    // ------------------------------------------------------------------ specific hostile files

    /**
     * The hostile client plan of issue 25 (169 bytes there, about 110 here): N = 32768, an
     * interleaved input declaring 65,536 ciphertexts of 16,384 slots and 2^30 elements. The reader
     * once allocated two 4 GiB arrays for the elements before reading any; it must refuse the file
     * at once, having allocated little: the elements would need 8 bytes each in a body of about
     * 150. Twice: with 784 inputs (the input size refuses it) and with 2^26 (only the bytes left do).
     */
    @Test
    void hostileInterleavedClientPlanIsRefusedWithoutAllocating() throws IOException {
        CkksParameters big = CkksParameters.builder().ringDegree(32768).primeBits(50).specialPrimeBits(50).scaleBits(30)
                .securityLevel(SecurityLevel.NONE).build();
        for (int inputs : new int[] {784, (int) RepresentationCodec.MAX_ELEMENTS}) {
            byte[] file = hostileClientPlan(big, inputs);
            assertTrue(file.length < 256, "a few hundred bytes at most: " + file.length);
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long before = mx.getCurrentThreadAllocatedBytes();
                IOException thrown = assertThrows(IOException.class, () -> ClientPlan.read(new ByteArrayInputStream(file)));
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                assertTrue(allocated < 64L << 20, "reading the hostile plan allocated " + (allocated >> 20) + " MiB");
                return thrown;
            });
            assertTrue(e.getMessage().contains("interleaved") && e.getMessage().contains("1073741824 elements"), e.getMessage());
        }
    }

    /** A client plan following ClientPlan.write's layout, whose input is the hostile interleaved layout. */
    private static byte[] hostileClientPlan(CkksParameters params, int inputs) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeLong(0x1234_5678_9abc_def0L); // fingerprint
        d.writeInt(0); // batch: latency
        RepresentationCodec.writeString(d, "x");
        d.writeByte(1); // channels
        d.writeDouble(1.0 / 256);
        d.writeDouble(0);
        d.writeByte(1); // rank
        d.writeInt(inputs);
        d.writeInt(10); // outputs
        d.writeDouble(1);
        d.writeDouble(0);
        byte[] p = new CkksSerializer(params).parametersToBytes();
        d.writeInt(p.length);
        d.write(p);
        d.writeBoolean(true);
        d.writeByte(0); // the relinearization key's level
        d.writeBoolean(false);
        d.writeInt(0); // rotations
        d.writeByte(4); // interleaved
        RepresentationCodec.writeString(d, "");
        d.writeInt(65536); // ciphertexts
        d.writeInt(params.slots());
        d.writeByte(0); // fill
        d.writeInt(1 << 30); // elements, and none follow
        d.flush();
        return clientFile(body.toByteArray());
    }

    @Test
    void invalidUtf8IsRefusedInEveryLolaFile() throws IOException {
        // The client plan's model name: u16 length at offset 12, then its bytes.
        byte[] inflated = clientBody(clientBytes(densePlan.clientPlan()));
        byte[] bad = inflated.clone();
        bad[14] = (byte) 0xC3; // a lead byte followed by an ASCII letter: malformed
        IOException e = assertThrows(IOException.class, () -> ClientPlan.read(new ByteArrayInputStream(clientFile(bad))));
        assertTrue(e.getMessage().contains("model name is not valid UTF-8"), e.getMessage());

        // The plan file's cost model string, found by its bytes.
        byte[] body = body(densePlanFile, Envelope.Kind.PLAN, PlanFile.VERSION);
        byte[] name = densePlan.compileInfo().costModel().getBytes(StandardCharsets.UTF_8);
        int at = indexOf(body, name);
        assertTrue(at > 0 && name.length >= 2);
        byte[] badPlan = body.clone();
        badPlan[at] = (byte) 0xED; // with the next bytes not a valid continuation
        badPlan[at + 1] = (byte) 0xA0; // ED A0 ..: a UTF-16 surrogate, never valid UTF-8
        e = assertThrows(IOException.class,
                () -> Plan.read(new ByteArrayInputStream(planFile(badPlan))));
        assertTrue(e.getMessage().contains("cost model is not valid UTF-8"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void longStringsAreCutBeforeACodePointAndReadBack() throws IOException {
        String s = "é".repeat(40_000); // 80,000 bytes: the cut at 65,535 falls inside a code point
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RepresentationCodec.writeString(new DataOutputStream(out), s);
        String back = RepresentationCodec.readString(new DataInputStream(new ByteArrayInputStream(out.toByteArray())), "test");
        assertEquals(32_767, back.length());
        assertTrue(s.startsWith(back));
    }
}
