package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeWriter;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.nn.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A batch tensor carries its image count: from encryptBatch through the tensor stream and the
 * evaluation to decryptBatch(y, sk), with no count beside it; streams of the previous version
 * (no count) still read, and a forged count is refused before anything is read or allocated from
 * it. The plan report gives the input's size after either encryption, as the client plan computes
 * it and as the stream measures.
 */
class BatchTensorTest {

    /** Images per evaluation of the test plan; a batch of {@link #COUNT} fills it partly, as a last batch does. */
    private static final int BATCH = 8;
    private static final int COUNT = 3;
    /** The envelope around the ciphertext count (version 3) or the ciphertext and image counts (version 4). */
    private static final int HEADER_V3 = Envelope.HEADER_BYTES + 4 + Envelope.TRAILER_BYTES;
    private static final int HEADER_V4 = Envelope.HEADER_BYTES + 8 + Envelope.TRAILER_BYTES;
    private static final int DIGEST = 32;
    private static final SecureRandom RND = new SecureRandom();

    private static Network net;
    private static Plan plan;
    private static ClientPlan client;
    private static SecretKey sk;
    private static PublicKey pk;
    private static EvaluationKeys evk;
    private static List<double[]> images;

    @BeforeAll
    static void compile() {
        // 32 inputs: 32 ciphertexts a batch at N = 8192, small enough to encrypt and evaluate often
        net = CompilerTest.net(Shape.of(32), 1.0, 31, Dense.zeros(32, 16), Square.INSTANCE, Dense.zeros(16, 4));
        plan = LolaCompiler.compile(net, CompileOptions.batch().withRingDegrees(8192).withBatchSize(BATCH)
                .withCalibration(CompilerTest.inputs(net, 8, 1)));
        client = plan.clientPlan();
        assertEquals(BATCH, client.batchSize());
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        sk = kg.secretKey();
        pk = kg.publicKey(sk);
        evk = kg.evaluationKeys(sk, plan.keyRequirements());
        images = CompilerTest.inputs(net, COUNT, 2);
    }

    private static byte[] bytes(EncryptedTensor x) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.writeTensor(out, x);
        return out.toByteArray();
    }

    private static EncryptedTensor readInput(byte[] b) throws IOException {
        return client.readInput(new ByteArrayInputStream(b));
    }

    private static EncryptedTensor readOutput(byte[] b) throws IOException {
        return client.readOutput(new ByteArrayInputStream(b));
    }

    /** The envelope's version, u16 little-endian at offset 4. */
    private static int version(byte[] stream) {
        return (stream[4] & 0xFF) | (stream[5] & 0xFF) << 8;
    }

    /**
     * The same ciphertexts behind another header, with the stream digest recomputed over it (as a
     * writer of that header would have): a hostile writer can always do this, so only the reader's
     * checks stand between the header and the decryption.
     */
    private static byte[] rewrap(byte[] stream, int oldHeader, int ciphertexts, byte[] newHeader) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int body = stream.length - oldHeader - DIGEST;
        int one = body / ciphertexts; // the ciphertexts of one tensor are all at one level, in one form
        assertEquals(body, one * ciphertexts, "the layout this test splices");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(newHeader);
        md.update(newHeader);
        out.write(stream, oldHeader, body);
        // each ciphertext object ends in its CRC32C; the digest chains those, in order
        for (int k = 0; k < ciphertexts; k++) {
            md.update(stream, oldHeader + (k + 1) * one - 4, 4);
        }
        out.writeBytes(md.digest());
        return out.toByteArray();
    }

    /** A tensor header in the envelope: version 3 (ciphertext count) or 4 (and the image count). */
    private static byte[] envelopeHeader(int version, int ciphertexts, Integer imageCount) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        EnvelopeWriter w = EnvelopeWriter.begin(h, Envelope.Kind.ENCRYPTED_TENSOR, version, client.fingerprint(),
                imageCount == null ? 4 : 8);
        w.u32(ciphertexts);
        if (imageCount != null) {
            w.u32(imageCount);
        }
        w.finish();
        return h.toByteArray();
    }

    /** The 22-byte big-endian header of the releases before the envelope (version 2). */
    private static byte[] legacyHeader(int ciphertexts) {
        return ByteBuffer.allocate(22).put(ClientPlan.LEGACY_TENSOR_MAGIC).putShort((short) ClientPlan.LEGACY_TENSOR_VERSION)
                .putLong(client.fingerprint()).putInt(ciphertexts).array();
    }

    @Test
    void theCountTravelsThroughStreamsAndEvaluation() throws IOException {
        EncryptedTensor x = client.encryptBatch(images, sk, RND);
        assertEquals(OptionalInt.of(COUNT), x.images());
        byte[] up = bytes(x);
        assertEquals(ClientPlan.TENSOR_VERSION, version(up));
        assertEquals(4, ClientPlan.TENSOR_VERSION);
        assertEquals(client.inputBytes(true), up.length, "a secret-key batch travels seeded, header included");
        EncryptedTensor in = readInput(up);
        assertEquals(OptionalInt.of(COUNT), in.images());
        assertArrayEquals(up, bytes(in), "read and written again, the same bytes");

        EncryptedTensor y = plan.evaluate(in, evk);
        assertEquals(OptionalInt.of(COUNT), y.images(), "evaluate carries the count to the result");
        byte[] down = bytes(y);
        assertEquals(client.outputBytes(), down.length);
        EncryptedTensor back = readOutput(down);
        assertEquals(OptionalInt.of(COUNT), back.images());

        double[][] scores = client.decryptBatch(back, sk);
        assertEquals(COUNT, scores.length, "one array of scores per image of the batch, not per slot of the plan");
        double[][] counted = client.decryptBatch(back, sk, COUNT);
        for (int b = 0; b < COUNT; b++) {
            assertArrayEquals(counted[b], scores[b], "image " + b + ": the same scores as with the count passed");
            double[] plain = net.forward(images.get(b));
            assertEquals(Tensor.argmax(plain), Tensor.argmax(scores[b]), "image " + b);
            for (int k = 0; k < plain.length; k++) {
                assertEquals(plain[k], scores[b][k], 1e-3 * Math.max(1, Math.abs(plain[k])), "image " + b + " score " + k);
            }
        }
        double[][] unchecked = client.decryptBatchUnchecked(back, sk);
        assertEquals(COUNT, unchecked.length);
        assertArrayEquals(client.decryptBatchUnchecked(back, sk, COUNT)[COUNT - 1], unchecked[COUNT - 1]);

        // fewer than the tensor holds is a choice; more would return the zero images' scores
        assertArrayEquals(scores[0], client.decryptBatch(back, sk, 1)[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.decryptBatch(back, sk, COUNT + 1));
        assertTrue(e.getMessage().contains("count " + (COUNT + 1)) && e.getMessage().contains(COUNT + " images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> client.decryptBatchUnchecked(back, sk, BATCH));
        assertTrue(e.getMessage().contains("count " + BATCH) && e.getMessage().contains(COUNT + " images"), e.getMessage());
    }

    @Test
    void aPublicKeyBatchHasThePublicKeySizeAndAFullBatchItsCount() throws IOException {
        List<double[]> full = CompilerTest.inputs(net, BATCH, 3);
        EncryptedTensor x = client.encryptBatch(full, pk, RND);
        assertEquals(OptionalInt.of(BATCH), x.images());
        byte[] up = bytes(x);
        assertEquals(client.inputBytes(false), up.length);
        double[][] scores = client.decryptBatch(readOutput(bytes(plan.evaluate(readInput(up), evk))), sk);
        assertEquals(BATCH, scores.length);
        for (int b = 0; b < BATCH; b++) {
            assertEquals(Tensor.argmax(net.forward(full.get(b))), Tensor.argmax(scores[b]), "image " + b);
        }
    }

    /** Streams of version 3 (and the 22-byte version 2) have no count: they read, and decrypt with one passed. */
    @Test
    void streamsOfThePreviousVersionsReadAndAskForTheCount() throws IOException {
        byte[] now = bytes(client.encryptBatch(images, sk, RND));
        double[][] want = client.decryptBatch(plan.evaluate(readInput(now), evk), sk);
        int cts = client.inputRepresentation().ciphertexts();
        List<byte[]> old = List.of(rewrap(now, HEADER_V4, cts, envelopeHeader(3, cts, null)),
                rewrap(now, HEADER_V4, cts, legacyHeader(cts)));
        assertEquals(3, version(old.get(0)));
        assertEquals(now.length - HEADER_V4 + HEADER_V3, old.get(0).length, "version 3: the header without the image count");
        for (byte[] stream : old) {
            EncryptedTensor in = readInput(stream);
            assertFalse(in.images().isPresent(), "the stream does not say how many images it holds");
            EncryptedTensor y = plan.evaluate(in, evk);
            assertFalse(y.images().isPresent());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.decryptBatch(y, sk));
            assertTrue(e.getMessage().contains("does not record how many images") && e.getMessage().contains("pass the count"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> client.decryptBatchUnchecked(y, sk));
            assertTrue(e.getMessage().contains("pass the count"), e.getMessage());
            double[][] got = client.decryptBatch(y, sk, COUNT);
            for (int b = 0; b < COUNT; b++) {
                assertArrayEquals(want[b], got[b], "image " + b + ": the same ciphertexts, the same scores");
            }
            // written again, the result says no more than it was given: version 3, no count
            byte[] down = bytes(y);
            assertEquals(3, version(down));
            assertEquals(client.outputBytes() - HEADER_V4 + HEADER_V3, down.length);
            EncryptedTensor back = readOutput(down);
            assertFalse(back.images().isPresent());
            assertArrayEquals(want[COUNT - 1], client.decryptBatch(back, sk, COUNT)[COUNT - 1]);
        }
    }

    /**
     * A count of 0, above the batch size or negative (as a u32: above 2^31) is refused when read,
     * naming it, before a ciphertext is read: decryptBatch would allocate and return that many
     * arrays of scores. The header's checksum and the stream digest are valid, as a hostile writer
     * would make them.
     */
    @Test
    void aForgedCountIsRefusedNamingIt() throws IOException {
        byte[] up = bytes(client.encryptBatch(images, sk, RND));
        byte[] down = bytes(plan.evaluate(readInput(up), evk));
        int inCts = client.inputRepresentation().ciphertexts();
        int outCts = client.outputRepresentation().ciphertexts();
        for (int forged : new int[] {0, BATCH + 1, 1 << 20, -1, Integer.MIN_VALUE}) {
            byte[] in = rewrap(up, HEADER_V4, inCts, envelopeHeader(4, inCts, forged));
            IOException e = assertThrows(IOException.class, () -> readInput(in), "images " + forged);
            String named = forged < 0 ? Integer.toUnsignedString(forged) + " images (" + forged + " as a signed 32-bit integer)"
                    : forged + " images";
            assertTrue(e.getMessage().contains("holds " + named) && e.getMessage().contains("expected 1 to " + BATCH),
                    e.getMessage());
            byte[] out = rewrap(down, HEADER_V4, outCts, envelopeHeader(4, outCts, forged));
            e = assertThrows(IOException.class, () -> readOutput(out), "images " + forged);
            assertTrue(e.getMessage().contains("holds " + named), e.getMessage());
        }
        // the largest count the plan takes reads; the scores past the batch's images are the zero inputs'
        EncryptedTensor all = readOutput(rewrap(down, HEADER_V4, outCts, envelopeHeader(4, outCts, BATCH)));
        assertEquals(BATCH, client.decryptBatch(all, sk).length);
        // a header whose payload is a version-3 one under version 4 is refused by its length
        byte[] shortHeader = rewrap(up, HEADER_V4, inCts, envelopeHeader(4, inCts, null));
        IOException e = assertThrows(IOException.class, () -> readInput(shortHeader));
        assertTrue(e.getMessage().contains("ciphertext and image counts"), e.getMessage());
    }

    /** The public constructor takes any count of at least 1; the plan refuses more than its batch size. */
    @Test
    void aTensorBuiltWithTooManyImagesIsRefused() throws IOException {
        EncryptedTensor x = client.encryptBatch(images, sk, RND);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EncryptedTensor(x.representation(), x.ciphertexts(), x.planFingerprint(), 0));
        assertTrue(e.getMessage().contains("at least 1 image, got 0"), e.getMessage());
        EncryptedTensor nine = new EncryptedTensor(x.representation(), x.ciphertexts(), x.planFingerprint(), BATCH + 1);
        e = assertThrows(IllegalArgumentException.class, () -> plan.evaluate(nine, evk));
        assertTrue(e.getMessage().contains("holds " + (BATCH + 1) + " images, more than the plan's batch size " + BATCH),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bytes(nine));
        assertTrue(e.getMessage().startsWith("writeTensor: the tensor holds " + (BATCH + 1) + " images"), e.getMessage());
        // without a count, the tensor evaluates as any other and its result asks for one
        EncryptedTensor unknown = new EncryptedTensor(x.representation(), x.ciphertexts(), x.planFingerprint());
        EncryptedTensor y = plan.evaluate(unknown, evk);
        assertTrue(y.toString().contains("image count unknown"), y.toString());
        assertEquals(COUNT, client.decryptBatch(y, sk, COUNT).length);
        assertThrows(IllegalArgumentException.class, () -> client.decryptBatch(y, sk));
    }

    /**
     * The report gives the input's size after a public-key and after a secret-key encryption, in
     * its text and in the record components the CLI's JSON writes (snake_case, as its mapper
     * names them), each equal to what the client plan computes (and the streams above measure).
     */
    @Test
    void theReportGivesBothInputSizesNamingTheirEncryption() throws IOException {
        PlanReport r = plan.report();
        assertEquals(client.inputBytes(false), r.inputBytes());
        assertEquals(client.inputBytes(true), r.inputBytesSeeded());
        assertEquals(client.outputBytes(), r.outputBytes());
        assertTrue(r.inputBytesSeeded() < r.inputBytes(), "seeded is smaller");
        String traffic = Arrays.stream(r.toString().split("\n")).filter(l -> l.startsWith("traffic")).findFirst().orElseThrow();
        assertTrue(traffic.contains(PlanReport.bytes(client.inputBytes(false)) + " public-key encrypted"), traffic);
        assertTrue(traffic.contains(PlanReport.bytes(client.inputBytes(true)) + " secret-key encrypted (seeded)"), traffic);
        assertTrue(traffic.contains(PlanReport.bytes(client.outputBytes())), traffic);

        ObjectMapper mapper = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        JsonNode j = mapper.readTree(mapper.writeValueAsString(r));
        assertEquals(client.inputBytes(false), j.get("input_bytes").asLong());
        assertEquals(client.inputBytes(true), j.get("input_bytes_seeded").asLong());
        assertEquals(client.outputBytes(), j.get("output_bytes").asLong());
        assertEquals(client.inputRepresentation().ciphertexts(), j.get("input_ciphertexts").asInt());

        // the constructor of earlier releases still builds a report; it does not know the seeded size
        PlanReport old = new PlanReport(r.model(), r.inputShape(), r.outputs(), r.ringDegree(), r.slots(), r.primeBits(),
                r.specialPrimeBits(), r.dnum(), r.scaleBits(), r.log2QP(), r.securityBits(), r.depth(), r.relinearization(),
                r.rotationSteps(), r.evaluationKeyBytes(), r.evaluationKeyMemory(), r.inputCiphertexts(), r.inputBytes(),
                r.outputCiphertexts(), r.outputBytes(), r.rotations(), r.hoistedRotations(), r.plainProducts(), r.constProducts(),
                r.cipherProducts(), r.predictedSeconds(), r.peakMemoryBytes(), r.batch(), r.costModel(), r.calibration(),
                r.headroomBits(), r.predictedError(), r.calibrationMargin(), r.alternatives(), r.steps());
        assertEquals(-1, old.inputBytesSeeded());
        String oldTraffic = Arrays.stream(old.toString().split("\n")).filter(l -> l.startsWith("traffic")).findFirst().orElseThrow();
        assertTrue(oldTraffic.contains("public-key encrypted") && !oldTraffic.contains("secret-key"), oldTraffic);
    }
}
