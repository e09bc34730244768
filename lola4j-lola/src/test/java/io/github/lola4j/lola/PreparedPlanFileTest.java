package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.SeededRandom;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prepared plan reads back with every encoding in place and evaluates to the same bytes as the
 * plan prepared in memory; a damaged, truncated, reordered or foreign file is refused.
 */
class PreparedPlanFileTest {

    private static Plan plan;
    private static byte[] prepared;
    private static EncryptedTensor input;
    private static EvaluationKeys evk;
    private static SecretKey sk;

    @BeforeAll
    static void compile() throws Exception {
        // a convolution (sums of products: product-form encodings) and dense layers with biases (plain encodings)
        Network net = CompilerTest.net(Shape.of(1, 12, 12), 1.0, 19, CompilerTest.conv(1, 4, 3, 1, 1, 1, 1, 1), Square.INSTANCE,
                Flatten.INSTANCE, Dense.zeros(576, 10));
        plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CompilerTest.inputs(net, 8, 1)));
        prepared = bytes(plan);
        KeyGenerator kg = new KeyGenerator(plan.parameters(), SeededRandom.of(7));
        sk = kg.secretKey();
        evk = kg.evaluationKeys(sk, plan.keyRequirements());
        input = plan.clientPlan().encryptInput(CompilerTest.inputs(net, 1, 3).get(0), sk, SeededRandom.of(8));
    }

    private static byte[] bytes(Plan p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.writePrepared(out);
        return out.toByteArray();
    }

    private static byte[] result(Plan p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.clientPlan().writeTensor(out, p.evaluate(input, evk, Parallelism.sequential()));
        return out.toByteArray();
    }

    @Test
    void readsBackPreparedAndEvaluatesToTheSameBytes() throws IOException {
        Plan back = Plan.read(new ByteArrayInputStream(prepared));
        assertEquals(plan.fingerprint(), back.fingerprint());
        // every encoding the evaluation uses is in place: preparing again makes none
        int[] asked = {0};
        back.prepare((w, level, scale, products) -> {
            asked[0]++;
            w.encoding(level, scale, products, () -> fail("the encoding at level " + level + " was not read from the file"));
        });
        assertTrue(asked[0] > 10, "the plan uses " + asked[0] + " encodings");
        assertArrayEquals(result(plan), result(back), "the same ciphertext bytes as the plan prepared in memory");
        assertArrayEquals(prepared, bytes(back), "a read prepared plan writes the same bytes");
        double[] scores = back.clientPlan().decryptOutput(back.evaluate(input, evk, Parallelism.sequential()), sk);
        double[] plain = plan.evaluatePlain(CompilerTest.inputs(plan.network(), 1, 3).get(0));
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i], scores[i], 1e-3 * (1 + Math.abs(plain[i])), "score " + i);
        }
    }

    @Test
    void isAPlanFileAndTheUnpreparedPlanIsUnchanged(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("p.plan");
        Files.write(f, prepared);
        assertTrue(Plan.isPlanFile(f));
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        plan.write(a);
        Plan.read(new ByteArrayInputStream(prepared)).write(b);
        assertArrayEquals(a.toByteArray(), b.toByteArray(), "the plan inside is the plan file");
    }

    @Test
    void everyTruncationIsRefused() {
        for (int len = 0; len < prepared.length; len += len < 64 ? 13 : prepared.length / 29) {
            byte[] cut = Arrays.copyOf(prepared, len);
            IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(cut)), "length " + len);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
        byte[] noDigestEnd = Arrays.copyOf(prepared, prepared.length - 1);
        assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(noDigestEnd)));
    }

    @Test
    void flippedBytesAreRefused() {
        for (int pos = 0; pos < prepared.length; pos += prepared.length / 41) {
            byte[] bad = prepared.clone();
            bad[pos] ^= 0x10;
            assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(bad)), "byte " + pos);
        }
    }

    /** Two whole plaintexts swapped: each checksum holds, the order does not. */
    @Test
    void swappedEncodingsAreRefused() throws IOException {
        int first = firstPlaintext();
        int size = encodingSize(first);
        int second = first + size;
        int third = second + encodingSize(second);
        if (encodingSize(second) != size) {
            fail("the first two encodings differ in size; pick another plan for this test");
        }
        byte[] swapped = prepared.clone();
        System.arraycopy(prepared, second, swapped, first, size);
        System.arraycopy(prepared, first, swapped, second, size);
        assertTrue(third <= prepared.length);
        IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(swapped)));
        assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("asks for level"), e.getMessage());
    }

    /** A count forged under a valid checksum is refused, not taken as a shorter or longer file. */
    @Test
    void aForgedCountIsRefused() throws IOException {
        for (int delta : new int[] {-1, 1}) {
            byte[] payload = Arrays.copyOfRange(prepared, Envelope.HEADER_BYTES, firstPlaintext() - Envelope.TRAILER_BYTES);
            ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putInt(0, ByteBuffer.wrap(payload)
                    .order(ByteOrder.LITTLE_ENDIAN).getInt(0) + delta);
            ByteArrayOutputStream forged = new ByteArrayOutputStream();
            Envelope.write(forged, Envelope.Kind.PREPARED_PLAN, PreparedPlanFile.VERSION, plan.fingerprint(), payload);
            forged.write(prepared, firstPlaintext(), prepared.length - firstPlaintext());
            IOException e = assertThrows(IOException.class, () -> Plan.read(new ByteArrayInputStream(forged.toByteArray())));
            assertTrue(e.getMessage().contains("encodings") || e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    private static int firstPlaintext() {
        return objectSize(prepared, 0);
    }

    /** A stored encoding's size: level u8, scale f64, (level + 1) limbs of N words. */
    private static int encodingSize(int at) {
        return 9 + ((prepared[at] & 0xFF) + 1) * plan.parameters().ringDegree() * 8;
    }

    /** An envelope's whole size at an offset: header, payload (its length at offset 16) and checksum. */
    private static int objectSize(byte[] b, int at) {
        long payload = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at + 16);
        return Math.toIntExact(Envelope.HEADER_BYTES + payload + Envelope.TRAILER_BYTES);
    }
}
