package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.math.Primes;
import io.github.lola4j.testkit.CkksContext;
import io.github.lola4j.testkit.Mutator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input for {@link CkksSerializer} (issue 25): mutants of a parameter set, a secret key, a
 * public key, ciphertexts and an evaluation key set are refused with an IOException or read back
 * as exactly the original. Forged mutants recompute the payload length (when the size changed)
 * and the CRC32C, so the field checks behind the checksum are reached; they may also read as the
 * valid object they have become. {@link Mutator.Campaign} states the rule.
 *
 * <p>The toy set (N = 1024, insecure) keeps the default run to a few seconds; {@code mvn -Pslow}
 * runs at least 1,500 mutants per family.
 */
class WireFuzzTest {

    private static final String TOY = "logN=10/L=2/P=1/scale=30/insecure";
    private static final int DEFAULT_MUTANTS = 300;
    private static final int SLOW_MUTANTS = 1500;
    private static final Duration PER_MUTANT = Duration.ofSeconds(20);
    /** Header bytes; the fixed fields of every kind follow within a few dozen bytes. */
    private static final int H = WireFormat.HEADER_BYTES;

    @FunctionalInterface
    private interface Write<T> {
        void write(ByteArrayOutputStream out, T value) throws IOException;
    }

    private static <T> byte[] bytes(Write<T> w, T value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out, value);
        return out.toByteArray();
    }

    /**
     * The object with its payload length (when the size changed) and its CRC32C recomputed: what
     * a forger who knows the format sends.
     */
    static byte[] reseal(byte[] b, int originalLength) {
        int t = WireFormat.TRAILER_BYTES;
        if (b.length < H + t) {
            return b;
        }
        byte[] out = b.clone();
        if (b.length != originalLength) {
            long payload = b.length - H - t;
            for (int i = 0; i < 8; i++) {
                out[16 + i] = (byte) (payload >>> (8 * i));
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - t);
        int v = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            out[out.length - t + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    /** Raw and forged mutants of one object; focus on the header and the fixed fields after it. */
    private static <T> void fuzz(String family, byte[] original, Mutator.Reader<T> reader, Mutator.Writer<T> writer,
            int mutants, long seed, int fixedEnd) {
        int raw = mutants / 4;
        new Mutator.Campaign<>(family, original, reader, writer, PER_MUTANT)
                .raw(raw, seed, 0, fixedEnd)
                .forged(original, m -> reseal(m, original.length), mutants - raw, seed + 1_000_000, 0, fixedEnd)
                .finish();
    }

    private static void all(int mutants, long seed) throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);

        fuzz("ckks parameters", s.parametersToBytes(), b -> CkksSerializer.readParameters(new ByteArrayInputStream(b)),
                p -> new CkksSerializer(p).parametersToBytes(), mutants, seed, H + 40);

        fuzz("ckks secret key", bytes(s::writeSecretKey, c.sk), b -> s.readSecretKey(new ByteArrayInputStream(b)),
                k -> bytes(s::writeSecretKey, k), mutants, seed + 10_000_000, H + 16);

        fuzz("ckks public key", s.toBytes(c.pk), b -> s.readPublicKey(new ByteArrayInputStream(b)), s::toBytes, mutants / 2,
                seed + 20_000_000, H + 40);

        // Three ciphertexts: seeded (fresh secret-key encryption), full at a lower level, degree 2.
        double[] v = c.randomValues(5);
        Ciphertext seeded = c.skEncryptor.encrypt(c.encoder.encode(v, c.params.maxLevel(), c.params.defaultScale()));
        Ciphertext full = c.encrypt(v, 1);
        Ciphertext squared = c.evaluator.multiply(full, full); // degree 2, not relinearized
        int third = mutants / 3;
        fuzz("ckks ciphertext (seeded)", s.toBytes(seeded), b -> s.readCiphertext(new ByteArrayInputStream(b)), s::toBytes,
                third, seed + 30_000_000, H + 11 + 32);
        fuzz("ckks ciphertext (full)", s.toBytes(full), b -> s.readCiphertext(new ByteArrayInputStream(b)), s::toBytes, third,
                seed + 31_000_000, H + 11);
        fuzz("ckks ciphertext (degree 2)", s.toBytes(squared), b -> s.readCiphertext(new ByteArrayInputStream(b)), s::toBytes,
                mutants - 2 * third, seed + 32_000_000, H + 11);

        byte[] evk = s.toBytes(c.evk);
        int table = WireFormat.EVALUATION_KEYS_PREFIX_BYTES + WireFormat.GALOIS_ENTRY_BYTES * c.evk.galoisKeys().size();
        fuzz("ckks evaluation keys", evk, b -> s.readEvaluationKeys(new ByteArrayInputStream(b)), s::toBytes, mutants,
                seed + 40_000_000, H + table);
    }

    @Test
    void everyObjectIsRefusedOrReadExactly() throws IOException {
        all(Mutator.mutants(DEFAULT_MUTANTS), Mutator.seed(1));
    }

    @Test
    @Tag("slow")
    void manyMutantsOfEveryObject() throws IOException {
        all(Math.max(SLOW_MUTANTS, Mutator.mutants(SLOW_MUTANTS)), Mutator.seed(100_000_000L));
    }

    /**
     * A parameter object of 4 KiB describing N = 2^17 with 255 + 255 valid NTT primes (allowed
     * with SecurityLevel.NONE): building it would allocate gigabytes of NTT tables, so it is
     * refused from its counts, before the builder runs.
     */
    @Test
    void hugeParameterSetIsRefusedBeforeItIsBuilt() throws IOException {
        int n = 1 << 17;
        long[] primes = Primes.nttPrimesBelow(n, 61, 510);
        ByteBuffer b = ByteBuffer.allocate(H + 20 + 8 * 510 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'L', '4', 'J', (byte) 0xCC}).putShort((short) WireFormat.VERSION).put((byte) io.github.lola4j.format.Envelope.Kind.PARAMETERS.code()).put((byte) 0)
                .putLong(0).putLong(20 + 8 * 510);
        b.putInt(n).put((byte) 255).put((byte) 255).put((byte) 1).put((byte) 0).putDouble(0x1p30).putInt(0);
        for (long q : primes) {
            b.putLong(q);
        }
        byte[] bytes = reseal(b.array(), b.capacity());
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            IOException thrown = assertThrows(IOException.class, () -> CkksSerializer.readParameters(new ByteArrayInputStream(bytes)));
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16L << 20, "allocated " + (allocated >> 20) + " MiB");
            return thrown;
        });
        assertTrue(e.getMessage().contains("66846720 residues"), e.getMessage());
    }

    @Test
    void resealKeepsAnUnchangedObjectValid() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        byte[] b = new CkksSerializer(c.params).toBytes(c.pk);
        assertArrayEquals(b, reseal(Arrays.copyOf(b, b.length), b.length));
    }
}
