package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client's half of a plan: it round-trips without the network, encrypts and decrypts exactly
 * as the plan does, and its tensor format refuses truncated, corrupted and foreign tensors.
 */
class ClientPlanTest {

    private static Network net;
    private static LabeledImages sample;
    private static Plan plan;
    private static Plan densePlan;
    private static SecretKey sk;
    private static EvaluationKeys evk;
    private static final SecureRandom RND = new SecureRandom();
    /** The envelope around a tensor's ciphertext and image counts (version 4). */
    private static final int TENSOR_HEADER = Envelope.HEADER_BYTES + 8 + Envelope.TRAILER_BYTES;

    @BeforeAll
    static void compile() throws IOException {
        net = ModelRegistry.load("lola-small");
        sample = Mnist.embeddedSample();
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            cal.add(net.input(sample, i));
        }
        CompileOptions opt = CompileOptions.lowLatency().withCalibration(cal);
        plan = LolaCompiler.compile(net, opt);
        densePlan = LolaCompiler.compile(net, opt.withInput(InputLayout.DENSE));
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        sk = kg.secretKey();
        evk = kg.evaluationKeys(sk, plan.keyRequirements());
    }

    private static byte[] bytes(ClientPlan c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.write(out);
        return out.toByteArray();
    }

    private static ClientPlan roundTrip(ClientPlan c) throws IOException {
        return ClientPlan.read(new ByteArrayInputStream(bytes(c)));
    }

    private static byte[] tensorBytes(ClientPlan c, EncryptedTensor x) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTensor(out, x);
        return out.toByteArray();
    }

    @Test
    void roundTripKeepsEverythingTheClientNeeds() throws IOException {
        List<Plan> plans = List.of(plan, densePlan, LolaCompiler.compile(net, CompileOptions.batch().withBatchSize(16)));
        for (Plan p : plans) {
            ClientPlan c = p.clientPlan();
            ClientPlan back = roundTrip(c);
            assertEquals(c.fingerprint(), back.fingerprint());
            assertEquals(p.fingerprint(), back.fingerprint());
            assertEquals(c.parameters(), back.parameters());
            assertEquals(c.keyRequirements(), back.keyRequirements());
            assertEquals(p.keyRequirements(), back.keyRequirements());
            assertEquals(c.inputRepresentation(), back.inputRepresentation());
            assertEquals(c.outputRepresentation(), back.outputRepresentation());
            assertEquals(c.inputShape(), back.inputShape());
            assertEquals(c.outputSize(), back.outputSize());
            assertEquals(c.normalization(), back.normalization());
            assertEquals(c.batchSize(), back.batchSize());
            assertEquals("lola-small", back.modelName());
            assertArrayEquals(bytes(c), bytes(back), "writing a read client plan gives the same bytes");
        }
        assertEquals("convolution", plan.clientPlan().inputRepresentation().kind());
        assertEquals(1, densePlan.clientPlan().inputRepresentation().ciphertexts(), "LoLa-Dense: the image in one ciphertext");
        assertEquals("batch", plans.get(2).clientPlan().inputRepresentation().kind());
    }

    /** The model stays with the server: no field of the client plan can hold weights or kernels. */
    @Test
    void holdsNoModel() {
        for (Field f : ClientPlan.class.getDeclaredFields()) {
            Class<?> t = f.getType();
            assertFalse(Network.class.isAssignableFrom(t) || Layer.class.isAssignableFrom(t) || Plan.class.isAssignableFrom(t)
                    || Kernel.class.isAssignableFrom(t) || List.class.isAssignableFrom(t), "field " + f.getName() + " of type " + t);
        }
    }

    /** The client side entirely from the read-back client plan, the server from the plan: the wire in between. */
    @Test
    void encryptedRoundTripThroughTheTensorFormat() throws IOException {
        ClientPlan client = roundTrip(plan.clientPlan());
        for (int i = 0; i < 3; i++) {
            double[] x = net.input(sample, i);
            byte[] up = tensorBytes(client, client.encryptInput(x, sk, RND));
            assertEquals(client.inputBytes(true), up.length, "a secret-key encryption travels seeded");
            EncryptedTensor in = plan.clientPlan().readInput(new ByteArrayInputStream(up));
            byte[] down = tensorBytes(plan.clientPlan(), plan.evaluate(in, evk));
            assertEquals(client.outputBytes(), down.length);
            double[] scores = client.decryptOutput(client.readOutput(new ByteArrayInputStream(down)), sk);
            double[] plain = net.forward(x);
            assertEquals(Tensor.argmax(plain), Tensor.argmax(scores));
            for (int k = 0; k < plain.length; k++) {
                assertEquals(plain[k], scores[k], 1e-4, "image " + i + " score " + k);
            }
        }
    }

    @Test
    void foreignTruncatedAndCorruptedTensorsAreRefused() throws IOException {
        ClientPlan c = plan.clientPlan();
        byte[] up = tensorBytes(c, c.encryptInput(net.input(sample, 0), sk, RND));
        IOException e = assertThrows(IOException.class, () -> c.readOutput(new ByteArrayInputStream(up)));
        assertTrue(e.getMessage().contains("ciphertexts"), e.getMessage());
        ClientPlan dense = densePlan.clientPlan();
        byte[] other = tensorBytes(dense, dense.encryptInput(net.input(sample, 0), sk, RND));
        e = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(other)));
        assertTrue(e.getMessage().contains("another plan"), e.getMessage());
        int step = up.length / 40 + 1;
        for (int len = 0; len < up.length; len += len < 40 ? 1 : step) {
            byte[] cut = Arrays.copyOf(up, len);
            assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(cut)), "length " + len);
        }
        for (int pos = 0; pos < up.length; pos += step + 7) {
            byte[] bad = up.clone();
            bad[pos] ^= 0x04;
            assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(bad)), "byte " + pos);
        }
        // a header announcing one ciphertext more, under a valid checksum
        ByteArrayOutputStream forged = new ByteArrayOutputStream();
        io.github.lola4j.format.EnvelopeWriter w = io.github.lola4j.format.EnvelopeWriter.begin(forged,
                Envelope.Kind.ENCRYPTED_TENSOR, ClientPlan.TENSOR_VERSION, c.fingerprint(), 8);
        w.u32(c.inputRepresentation().ciphertexts() + 1);
        w.u32(1);
        w.finish();
        byte[] count = up.clone();
        System.arraycopy(forged.toByteArray(), 0, count, 0, forged.size());
        e = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(count)));
        assertTrue(e.getMessage().contains("ciphertexts"), e.getMessage());
    }

    @Test
    void truncatedOrCorruptedClientPlansAreRefused() throws IOException {
        byte[] b = bytes(plan.clientPlan());
        for (int len = 0; len < b.length; len += len < 64 ? 1 : 1009) {
            byte[] cut = Arrays.copyOf(b, len);
            assertThrows(IOException.class, () -> ClientPlan.read(new ByteArrayInputStream(cut)), "length " + len);
        }
        for (int pos = 0; pos < b.length; pos += 997) {
            byte[] bad = b.clone();
            bad[pos] ^= 0x01;
            assertThrows(IOException.class, () -> ClientPlan.read(new ByteArrayInputStream(bad)), "byte " + pos);
        }
        IOException e = assertThrows(IOException.class, () -> ClientPlan.read(new ByteArrayInputStream(new byte[40])));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    /**
     * Every ciphertext of these streams carries a valid CRC; only the stream digest tells that
     * they were swapped, duplicated or taken from another tensor of the same plan.
     */
    @Test
    void reorderedDuplicatedOrMixedCiphertextsAreRefused() throws IOException {
        ClientPlan c = plan.clientPlan();
        assertTrue(c.inputRepresentation().ciphertexts() >= 2, "the test needs an input of several ciphertexts");
        byte[] a = tensorBytes(c, c.encryptInput(net.input(sample, 0), sk, RND));
        byte[] b = tensorBytes(c, c.encryptInput(net.input(sample, 1), sk, RND));
        int header = TENSOR_HEADER;
        int one = (int) io.github.lola4j.ckks.CkksSerializer.ciphertextSize(c.parameters(), c.parameters().maxLevel(), true);
        assertEquals(header + c.inputRepresentation().ciphertexts() * one + 32, a.length, "the layout this test splices");
        byte[] swapped = a.clone();
        System.arraycopy(a, header, swapped, header + one, one);
        System.arraycopy(a, header + one, swapped, header, one);
        byte[] duplicated = a.clone();
        System.arraycopy(a, header, duplicated, header + one, one);
        byte[] mixed = a.clone();
        System.arraycopy(b, header + one, mixed, header + one, one);
        byte[] otherDigest = a.clone();
        System.arraycopy(b, b.length - 32, otherDigest, a.length - 32, 32);
        for (byte[] bad : List.of(swapped, duplicated, mixed, otherDigest)) {
            IOException e = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(bad)));
            assertTrue(e.getMessage().contains("stream digest"), e.getMessage());
        }
        assertEquals(c.inputRepresentation().ciphertexts(), c.readInput(new ByteArrayInputStream(a)).ciphertexts().size());
        byte[] v1 = a.clone();
        v1[4] = 1; // the envelope's version, u16 little-endian
        IOException e = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(v1)));
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
    }

    /**
     * A client plan and an encrypted input as earlier releases wrote them (before the envelope:
     * big-endian framing, a 22-byte tensor header) still read, to the same plan and predictions.
     */
    @Test
    void filesOfAnEarlierReleaseStillRead() throws IOException {
        ClientPlan c = plan.clientPlan();
        byte[] file = bytes(c);
        byte[] packed = Arrays.copyOfRange(file, Envelope.HEADER_BYTES, file.length - Envelope.TRAILER_BYTES);
        // version 3, the last before the envelope framing changed: the body without the client part's byte
        byte[] body = new java.util.zip.InflaterInputStream(new ByteArrayInputStream(packed)).readAllBytes();
        ByteArrayOutputStream repacked = new ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(repacked)) {
            z.write(body, 0, body.length - 1);
        }
        ClientPlan old = ClientPlan.read(new ByteArrayInputStream(LegacyFraming.frame(ClientPlan.LEGACY_MAGIC,
                ClientPlan.VERSION_LEVELED_KEYS, repacked.toByteArray())));
        assertEquals(c.fingerprint(), old.fingerprint());
        assertArrayEquals(file, bytes(old), "written again, it is in the envelope");

        // the same ciphertexts behind the old header, with the stream digest over that header
        double[] x = net.input(sample, 2);
        byte[] now = tensorBytes(c, c.encryptInput(x, sk, RND));
        int header = TENSOR_HEADER;
        int one = (int) io.github.lola4j.ckks.CkksSerializer.ciphertextSize(c.parameters(), c.parameters().maxLevel(), true);
        int count = c.inputRepresentation().ciphertexts();
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(22);
        h.put(ClientPlan.LEGACY_TENSOR_MAGIC).putShort((short) ClientPlan.LEGACY_TENSOR_VERSION).putLong(c.fingerprint()).putInt(count);
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(h.array());
        ByteArrayOutputStream legacy = new ByteArrayOutputStream();
        legacy.write(h.array());
        for (int k = 0; k < count; k++) {
            int start = header + k * one;
            legacy.write(now, start, one);
            md.update(now, start + one - 4, 4);
        }
        legacy.write(md.digest());
        byte[] oldTensor = legacy.toByteArray();
        EncryptedTensor in = c.readInput(new ByteArrayInputStream(oldTensor));
        assertEquals(java.util.OptionalInt.of(1), in.images(), "a latency tensor holds one image");
        double[] scores = c.decryptOutput(plan.evaluate(in, evk), sk);
        assertEquals(Tensor.argmax(net.forward(x)), Tensor.argmax(scores));
        // a version-1 tensor (no stream digest) is refused with the reason
        oldTensor[9] = 1;
        IOException e = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(oldTensor)));
        assertTrue(e.getMessage().contains("version 1") && e.getMessage().contains("stream digest"), e.getMessage());
    }

    /**
     * A latency tensor holds one image, whatever version of the stream it came from; a stream
     * claiming more is refused, and the batch decryption points to decryptOutput.
     */
    @Test
    void latencyTensorsHoldOneImage() throws IOException {
        ClientPlan c = plan.clientPlan();
        double[] x = net.input(sample, 3);
        EncryptedTensor in = c.encryptInput(x, sk, RND);
        assertEquals(java.util.OptionalInt.of(1), in.images());
        byte[] up = tensorBytes(c, in);
        EncryptedTensor y = plan.evaluate(c.readInput(new ByteArrayInputStream(up)), evk);
        assertEquals(java.util.OptionalInt.of(1), y.images());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.decryptBatch(y, sk));
        assertTrue(e.getMessage().contains("use decryptOutput"), e.getMessage());

        // version 3, the header without the image count: one image, written again in version 4
        int count = c.inputRepresentation().ciphertexts();
        ByteArrayOutputStream v3 = new ByteArrayOutputStream();
        io.github.lola4j.format.EnvelopeWriter w = io.github.lola4j.format.EnvelopeWriter.begin(v3,
                Envelope.Kind.ENCRYPTED_TENSOR, ClientPlan.TENSOR_VERSION_NO_IMAGES, c.fingerprint(), 4);
        w.u32(count);
        w.finish();
        byte[] old = withHeader(up, v3.toByteArray(), count);
        EncryptedTensor read = c.readInput(new ByteArrayInputStream(old));
        assertEquals(java.util.OptionalInt.of(1), read.images());
        assertArrayEquals(up, tensorBytes(c, read), "read from version 3, written in version 4");
        assertEquals(Tensor.argmax(net.forward(x)), Tensor.argmax(c.decryptOutput(plan.evaluate(read, evk), sk)));

        // a version-4 header claiming two images, under a valid checksum and stream digest
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        w = io.github.lola4j.format.EnvelopeWriter.begin(two, Envelope.Kind.ENCRYPTED_TENSOR, ClientPlan.TENSOR_VERSION,
                c.fingerprint(), 8);
        w.u32(count);
        w.u32(2);
        w.finish();
        byte[] forged = withHeader(up, two.toByteArray(), count);
        IOException io = assertThrows(IOException.class, () -> c.readInput(new ByteArrayInputStream(forged)));
        assertTrue(io.getMessage().contains("holds 2 images, expected 1 to 1 (a latency plan evaluates one image)"),
                io.getMessage());
        EncryptedTensor twoImages = new EncryptedTensor(in.representation(), in.ciphertexts(), in.planFingerprint(), 2);
        e = assertThrows(IllegalArgumentException.class, () -> plan.evaluate(twoImages, evk));
        assertTrue(e.getMessage().contains("holds 2 images, a latency plan evaluates one"), e.getMessage());
    }

    /** A version-4 tensor's ciphertexts behind another header, the stream digest recomputed over it. */
    private static byte[] withHeader(byte[] tensor, byte[] header, int count) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int one = (tensor.length - TENSOR_HEADER - 32) / count;
        md.update(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        out.write(tensor, TENSOR_HEADER, count * one);
        for (int k = 0; k < count; k++) {
            md.update(tensor, TENSOR_HEADER + (k + 1) * one - 4, 4);
        }
        out.write(md.digest());
        return out.toByteArray();
    }

    /** The latency plan's report: both input sizes, each naming its encryption, as the client plan computes them. */
    @Test
    void theReportGivesBothInputSizes() {
        PlanReport r = plan.report();
        ClientPlan c = plan.clientPlan();
        assertEquals(c.inputBytes(false), r.inputBytes());
        assertEquals(c.inputBytes(true), r.inputBytesSeeded());
        assertEquals(c.outputBytes(), r.outputBytes());
        assertTrue(r.toString().contains("traffic   input " + c.inputRepresentation().ciphertexts() + " ciphertexts ("
                + PlanReport.bytes(c.inputBytes(false)) + " public-key encrypted, " + PlanReport.bytes(c.inputBytes(true))
                + " secret-key encrypted (seeded)), output 1 ciphertext (" + PlanReport.bytes(c.outputBytes()) + ")"), r.toString());
    }

    /**
     * A result decrypted under another secret key than the one behind the evaluation keys is
     * refused, in latency and batch mode, instead of being returned as confident wrong scores.
     */
    @Test
    void aResultUnderAnotherKeyIsRefused() {
        ClientPlan c = plan.clientPlan();
        SecretKey other = new KeyGenerator(plan.parameters(), RND).secretKey();
        EncryptedTensor y = plan.evaluate(c.encryptInput(net.input(sample, 4), sk, RND), evk);
        double[] right = c.decryptOutput(y, sk);
        assertEquals(Tensor.argmax(net.forward(net.input(sample, 4))), Tensor.argmax(right));
        ResultOutOfRangeException e = assertThrows(ResultOutOfRangeException.class, () -> c.decryptOutput(y, other));
        assertTrue(e.likelyWrongKey(), e.getMessage());
        assertTrue(e.getMessage().contains("does not decrypt under this secret key"), e.getMessage());
        assertTrue(e.outOfRange() * 10 >= e.checked() && e.largest() > e.bound(), e.getMessage());
        // unchecked, the same result decrypts to numbers that look like scores of a wrong digit
        double[] raw = c.decryptOutputUnchecked(y, other);
        assertEquals(right.length, raw.length);
        double largest = 0;
        for (double v : raw) {
            largest = Math.max(largest, Math.abs(v));
        }
        assertTrue(largest > 100, "garbage without the check: " + Arrays.toString(raw));

        Plan batch = LolaCompiler.compile(net, CompileOptions.batch().withBatchSize(16));
        KeyGenerator kg = new KeyGenerator(batch.parameters(), RND);
        SecretKey bsk = kg.secretKey();
        EvaluationKeys bevk = kg.evaluationKeys(bsk, batch.keyRequirements());
        List<double[]> xs = List.of(net.input(sample, 0), net.input(sample, 1), net.input(sample, 2));
        EncryptedTensor by = batch.evaluate(batch.clientPlan().encryptBatch(xs, bsk, RND), bevk);
        double[][] scores = batch.clientPlan().decryptBatch(by, bsk, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(Tensor.argmax(net.forward(xs.get(i))), Tensor.argmax(scores[i]), "batch image " + i);
        }
        SecretKey bother = new KeyGenerator(batch.parameters(), RND).secretKey();
        assertThrows(ResultOutOfRangeException.class, () -> batch.clientPlan().decryptBatch(by, bother, 3));
        assertEquals(3, batch.clientPlan().decryptBatchUnchecked(by, bother, 3).length);
    }

    /**
     * An input far beyond the calibrated range overflows the modulus; the decryption says so
     * instead of returning the wrapped values.
     */
    @Test
    void anOverflowIsRefusedNotReturned() {
        ClientPlan c = plan.clientPlan();
        double[] x = net.input(sample, 5);
        double[] big = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            big[i] = 3000 * x[i];
        }
        EncryptedTensor y = plan.evaluate(c.encryptInput(big, sk, RND), evk);
        assertThrows(ResultOutOfRangeException.class, () -> c.decryptOutput(y, sk));
    }
}
