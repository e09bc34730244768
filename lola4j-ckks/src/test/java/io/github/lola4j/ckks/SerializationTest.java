package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.testkit.CkksContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The binary format of {@link CkksSerializer}: round trips of every type that evaluate correctly,
 * exact sizes, and refusal of wrong kinds, wrong parameter sets, truncated, corrupted and forged
 * streams (forged: fields changed and the checksum recomputed, so the field checks themselves are
 * exercised, not only the CRC).
 */
class SerializationTest {

    private static final String TOY = "logN=10/L=2/P=1/scale=30/insecure";
    private static final String N8192 = "logN=13/L=3/P=1/scale=36";
    private static final String N16384 = "logN=14/L=6/P=2/scale=40";

    /** Header bytes, payload offset. */
    private static final int H = 24;

    @FunctionalInterface
    private interface Reader<T> {
        T read(InputStream in) throws IOException;
    }

    // ------------------------------------------------------------------ equality of objects

    private static boolean samePoly(RnsPoly a, RnsPoly b) {
        return Objects.equals(a, b);
    }

    static boolean same(CkksParameters a, CkksParameters b) {
        return a.equals(b) && a.fingerprint() == b.fingerprint();
    }

    static boolean same(SecretKey a, SecretKey b) {
        return a.parameters().equals(b.parameters()) && samePoly(a.poly(), b.poly());
    }

    static boolean same(PublicKey a, PublicKey b) {
        return a.parameters().equals(b.parameters()) && samePoly(a.b(), b.b()) && samePoly(a.a(), b.a())
                && Arrays.equals(a.seed(), b.seed());
    }

    static boolean sameSwitching(SwitchingKey a, SwitchingKey b) {
        if (!a.parameters().equals(b.parameters()) || a.digits() != b.digits() || !Arrays.equals(a.seed(), b.seed())) {
            return false;
        }
        for (int j = 0; j < a.digits(); j++) {
            if (!samePoly(a.b(j), b.b(j)) || !samePoly(a.a(j), b.a(j))) {
                return false;
            }
        }
        return true;
    }

    static boolean same(GaloisKey a, GaloisKey b) {
        return a.galoisElement() == b.galoisElement() && sameSwitching(a, b);
    }

    static boolean same(EvaluationKeys a, EvaluationKeys b) {
        if (!a.parameters().equals(b.parameters()) || a.hasRelinearizationKey() != b.hasRelinearizationKey()
                || !a.galoisKeys().keySet().equals(b.galoisKeys().keySet())) {
            return false;
        }
        if (a.hasRelinearizationKey() && !sameSwitching(a.relinearizationKey(), b.relinearizationKey())) {
            return false;
        }
        for (long g : a.galoisKeys().keySet()) {
            if (!same(a.galoisKey(g), b.galoisKey(g))) {
                return false;
            }
        }
        return true;
    }

    static boolean same(Plaintext a, Plaintext b) {
        return a.level() == b.level() && Double.compare(a.scale(), b.scale()) == 0 && samePoly(a.poly(), b.poly());
    }

    static boolean same(Ciphertext a, Ciphertext b) {
        if (a.degree() != b.degree() || a.level() != b.level() || Double.compare(a.scale(), b.scale()) != 0
                || !Arrays.equals(a.seed(), b.seed())) {
            return false;
        }
        for (int i = 0; i <= a.degree(); i++) {
            if (!samePoly(a.poly(i), b.poly(i))) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ stream helpers

    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    private static byte[] secretKeyBytes(CkksSerializer s, SecretKey sk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.writeSecretKey(out, sk);
        return out.toByteArray();
    }

    /** Recomputes the trailing CRC32C of a single object, as a forger would. */
    private static byte[] reseal(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            b[b.length - 4 + i] = (byte) (c >>> (8 * i));
        }
        return b;
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** A forged copy: the edit applied, the checksum recomputed (LeveledKeysTest forges with it too). */
    static byte[] forge(byte[] original, java.util.function.Consumer<byte[]> edit) {
        byte[] b = original.clone();
        edit.accept(b);
        return reseal(b);
    }

    private static IOException refused(Reader<?> reader, byte[] b, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> reader.read(in(b)));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" lacks \"" + f + "\"");
        }
        return e;
    }

    /** Every prefix length in the list must throw EOFException, never anything else. */
    private static void assertTruncationsThrow(byte[] b, Reader<?> reader, int[] lengths) {
        for (int len : lengths) {
            try {
                Object o = reader.read(new ByteArrayInputStream(b, 0, len));
                fail("a stream truncated to " + len + " of " + b.length + " bytes gave " + o);
            } catch (EOFException e) {
                assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            } catch (IOException | RuntimeException e) {
                throw new AssertionError("truncated to " + len + " bytes: expected EOFException, got " + e, e);
            }
        }
    }

    /** Flipping the byte at each position must throw IOException or give an object equal to the original. */
    private static <T> int assertFlipsRejectedOrSame(byte[] b, Reader<T> reader, T original, BiPredicate<T, T> same,
            int[] positions) {
        int accepted = 0;
        for (int pos : positions) {
            byte[] c = b.clone();
            c[pos] ^= (byte) (1 + (pos * 37) % 255);
            try {
                T o = reader.read(in(c));
                assertTrue(same.test(original, o), "flipping byte " + pos + " silently gave a different object");
                accepted++;
            } catch (IOException e) {
                assertNotNull(e.getMessage());
            } catch (RuntimeException e) {
                throw new AssertionError("flipping byte " + pos + ": expected IOException, got " + e, e);
            }
        }
        return accepted;
    }

    private static int[] all(int length) {
        return IntStream.range(0, length).toArray();
    }

    /** Every position of the first {@code head} bytes and the last {@code tail}, and every {@code step}-th between. */
    private static int[] sample(int length, int head, int step, int tail) {
        return IntStream.range(0, length).filter(i -> i < head || i >= length - tail || i % step == 0).toArray();
    }

    // ------------------------------------------------------------------ exact sizes, computed independently

    private static long polyBytes(long[] primes, int limbs, int n) {
        long bits = 0;
        for (int i = 0; i < limbs; i++) {
            bits += 64 - Long.numberOfLeadingZeros(primes[i]);
        }
        return bits * n / 8;
    }

    private static long qpBytes(CkksParameters p) {
        return polyBytes(p.primes(), p.maxLevel() + 1, p.ringDegree())
                + polyBytes(p.specialPrimes(), p.specialPrimes().length, p.ringDegree());
    }

    private static long qBytes(CkksParameters p, int level) {
        return polyBytes(p.primes(), level + 1, p.ringDegree());
    }

    // ------------------------------------------------------------------ round trips

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOY, N8192, N16384})
    void parametersRoundTrip(String name) throws IOException {
        CkksParameters p = CkksContext.params(name);
        byte[] b = new CkksSerializer(p).parametersToBytes();
        assertEquals(28 + 20 + 8 * (p.maxLevel() + 1 + p.specialPrimes().length), b.length);
        CkksParameters back = CkksSerializer.readParameters(in(b));
        assertTrue(same(p, back), back.toString());
        assertArrayEquals(b, new CkksSerializer(back).parametersToBytes());
        // A sparse secret, an explicit dnum and a non-power-of-two scale survive too.
        CkksParameters sparse = CkksParameters.builder().ringDegree(2048).primeBits(40, 30, 30, 30).specialPrimeBits(45, 45)
                .dnum(4).scale(1.5e9).secretDistribution(SecretDistribution.sparseTernary(64))
                .securityLevel(SecurityLevel.NONE).build();
        assertTrue(same(sparse, CkksSerializer.readParameters(in(new CkksSerializer(sparse).parametersToBytes()))));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOY, N8192})
    void everyTypeRoundTripsToAnEqualObjectAndTheSameBytes(String name) throws IOException {
        CkksContext c = CkksContext.get(name);
        CkksSerializer seeded = new CkksSerializer(c.params);
        CkksSerializer full = new CkksSerializer(c.params, CkksSerializer.Form.FULL);
        for (CkksSerializer s : List.of(seeded, full)) {
            byte[] skb = secretKeyBytes(s, c.sk);
            SecretKey sk = s.readSecretKey(in(skb));
            assertTrue(same(c.sk, sk));
            assertArrayEquals(skb, secretKeyBytes(s, sk));

            byte[] pkb = s.toBytes(c.pk);
            PublicKey pk = s.readPublicKey(in(pkb));
            assertEquals(s == seeded, pk.seed() != null);
            assertTrue(samePoly(c.pk.b(), pk.b()) && samePoly(c.pk.a(), pk.a()));
            assertArrayEquals(pkb, s.toBytes(pk));

            RelinearizationKey rlk = s.readRelinearizationKey(in(s.toBytes(c.evk.relinearizationKey())));
            assertEquals(s == seeded, rlk.seed() != null);
            for (int j = 0; j < rlk.digits(); j++) {
                assertTrue(samePoly(c.evk.relinearizationKey().a(j), rlk.a(j)), "a_" + j);
                assertTrue(samePoly(c.evk.relinearizationKey().b(j), rlk.b(j)), "b_" + j);
            }
            GaloisKey g = c.evk.galoisKey(c.params.galoisElementForRotation(3));
            byte[] gkb = s.toBytes(g);
            GaloisKey gk = s.readGaloisKey(in(gkb));
            assertEquals(g.galoisElement(), gk.galoisElement());
            assertArrayEquals(gkb, s.toBytes(gk));

            byte[] evkb = s.toBytes(c.evk);
            int keys = c.evk.galoisKeys().size();
            long body = (s == seeded ? 32 : 0) + (s == seeded ? 1 : 2) * (long) c.params.dnum() * qpBytes(c.params);
            assertEquals(28 + 5 + 9L * keys + (keys + 1) * body, evkb.length, "evaluation key set size");
            EvaluationKeys evk = s.readEvaluationKeys(in(evkb));
            assertEquals(c.evk.galoisKeys().keySet(), evk.galoisKeys().keySet());
            assertArrayEquals(evkb, s.toBytes(evk));
            if (s == seeded) {
                assertTrue(same(c.pk, pk));
                assertTrue(sameSwitching(c.evk.relinearizationKey(), rlk));
                assertTrue(same(g, gk));
                assertTrue(same(c.evk, evk));
            }

            double[] x = c.randomValues(21);
            Plaintext pt = c.encoder.encode(x, 1, c.params.defaultScale());
            byte[] ptb = s.toBytes(pt);
            assertTrue(same(pt, s.readPlaintext(in(ptb))));

            Ciphertext fresh = c.skEncryptor.encrypt(c.encoder.encode(x, c.params.maxLevel(), c.params.defaultScale()));
            Ciphertext product = c.evaluator.multiply(c.encrypt(x, 2), c.encrypt(x, 2));
            Ciphertext low = c.evaluator.rescale(c.evaluator.relinearize(product));
            for (Ciphertext ct : List.of(fresh, c.encrypt(x, c.params.maxLevel()), product, low)) {
                byte[] ctb = s.toBytes(ct);
                Ciphertext back = s.readCiphertext(in(ctb));
                boolean keepsSeed = s == seeded && ct == fresh;
                assertEquals(keepsSeed, back.seed() != null);
                assertEquals(ct.degree(), back.degree());
                assertEquals(ct.level(), back.level());
                assertEquals(ct.scale(), back.scale());
                for (int i = 0; i <= ct.degree(); i++) {
                    assertEquals(ct.poly(i), back.poly(i), "c_" + i);
                }
                assertArrayEquals(ctb, s.toBytes(back));
                assertArrayEquals(c.decrypt(ct), c.decrypt(back));
            }
        }
    }

    @Test
    void keysReadFromStreamsEncryptEvaluateAndDecrypt() throws IOException {
        CkksContext c = CkksContext.get(N8192);
        CkksSerializer writer = new CkksSerializer(c.params);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        writer.writeParameters(client);
        writer.writeSecretKey(client, c.sk);
        writer.write(client, c.pk);
        writer.write(client, c.evk);
        double[] x = c.randomValues(31);
        Ciphertext skCt = c.skEncryptor.encrypt(c.encoder.encode(x, c.params.maxLevel(), c.params.defaultScale()));
        writer.write(client, skCt);

        InputStream server = in(client.toByteArray());
        CkksParameters params = CkksSerializer.readParameters(server);
        assertTrue(same(c.params, params));
        CkksSerializer reader = new CkksSerializer(params);
        SecretKey sk = reader.readSecretKey(server);
        PublicKey pk = reader.readPublicKey(server);
        EvaluationKeys evk = reader.readEvaluationKeys(server);
        Ciphertext readCt = reader.readCiphertext(server);
        assertEquals(-1, server.read(), "each read stops exactly at its object's end");

        Encoder enc = new Encoder(params);
        Decryptor dec = new Decryptor(sk);
        Evaluator ev = new Evaluator(params, evk);
        // The read secret-key ciphertext decrypts with the read secret key.
        assertTrue(PrecisionStats.compare(x, enc.decode(dec.decrypt(readCt))).maxError() < 1e-5);
        // Encrypt with the read public key, square, relinearize and rescale, rotate with the read keys.
        Ciphertext ct = new Encryptor(pk, new SecureRandom()).encrypt(enc.encode(x, params.maxLevel(), params.defaultScale()));
        Ciphertext sq = ev.rescale(ev.multiplyRelin(ct, readCt));
        Ciphertext rot = ev.rotate(sq, 3);
        Ciphertext conj = ev.conjugate(ev.rotate(sq, -1));
        double[] expRot = new double[x.length];
        double[] expNeg = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double y = x[(i + 3) % x.length];
            expRot[i] = y * y;
            double z = x[Math.floorMod(i - 1, x.length)];
            expNeg[i] = z * z;
        }
        PrecisionStats s = PrecisionStats.compare(expRot, enc.decode(dec.decrypt(rot)));
        assertTrue(s.maxError() < 1e-4, "square, relinearize, rescale, rotate with read keys: " + s);
        PrecisionStats t = PrecisionStats.compare(expNeg, enc.decode(dec.decrypt(conj)));
        assertTrue(t.maxError() < 1e-4, "rotate -1 and conjugate with read keys: " + t);
        // And the original decryptor agrees on what the read keys produced.
        assertArrayEquals(c.decrypt(rot), enc.decode(dec.decrypt(rot)));
    }

    // ------------------------------------------------------------------ sizes

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOY, N8192, N16384})
    void seededFormsAreAboutHalfTheFullFormsWithExactSizes(String name) throws IOException {
        CkksParameters p = CkksContext.params(name);
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(p, rnd);
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        RelinearizationKey rlk = kg.relinearizationKey(sk);
        GaloisKey gk = kg.galoisKey(sk, p.galoisElementForRotation(1));
        Encoder enc = new Encoder(p);
        Plaintext pt = enc.encode(new double[] {1, 2, 3}, p.maxLevel(), p.defaultScale());
        Ciphertext skCt = new Encryptor(sk, rnd).encrypt(pt);
        Ciphertext pkCt = new Encryptor(pk, rnd).encrypt(pt);
        CkksSerializer seeded = new CkksSerializer(p);
        CkksSerializer full = new CkksSerializer(p, CkksSerializer.Form.FULL);
        int n = p.ringDegree();
        int d = p.dnum();
        long qp = qpBytes(p);
        long q = qBytes(p, p.maxLevel());

        long[][] sizes = {
            {seeded.parametersToBytes().length, 28 + 20 + 8 * (p.maxLevel() + 1 + p.specialPrimes().length)},
            {secretKeyBytes(seeded, sk).length, 28 + n / 4},
            {seeded.toBytes(pk).length, 28 + 1 + 32 + qp},
            {full.toBytes(pk).length, 28 + 1 + 2 * qp},
            {seeded.toBytes(rlk).length, 28 + 1 + 32 + d * qp},
            {full.toBytes(rlk).length, 28 + 1 + 2 * d * qp},
            {seeded.toBytes(gk).length, 28 + 9 + 32 + d * qp},
            {full.toBytes(gk).length, 28 + 9 + 2 * d * qp},
            {seeded.toBytes(skCt).length, 28 + 11 + 32 + q},
            {full.toBytes(skCt).length, 28 + 11 + 2 * q},
            {seeded.toBytes(pkCt).length, 28 + 11 + 2 * q},
            {seeded.toBytes(pt).length, 28 + 9 + q},
        };
        String[] names = {"parameters", "secret key", "public key (seeded)", "public key (full)",
            "relinearization key (seeded)", "relinearization key (full)", "Galois key (seeded)", "Galois key (full)",
            "fresh secret-key ciphertext (seeded)", "fresh ciphertext (full)", "public-key ciphertext", "plaintext"};
        StringBuilder report = new StringBuilder(name + " (" + p + "): serialized sizes in bytes\n");
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(sizes[i][1], sizes[i][0], names[i]);
            report.append(String.format(Locale.ROOT, "  %-40s %,12d%n", names[i], sizes[i][0]));
        }
        report.append(String.format(Locale.ROOT, "  %-40s %,12d%n", "in-memory residues of one QP polynomial",
                8L * n * (p.maxLevel() + 1 + p.specialPrimes().length)));
        System.out.print(report);
        for (int i : new int[] {2, 4, 6, 8}) {
            double ratio = (double) sizes[i][0] / sizes[i + 1][0];
            assertTrue(ratio > 0.49 && ratio < 0.51, names[i] + ": seeded / full = " + ratio);
        }
    }

    @Test
    void aSeededCiphertextChangedThroughPolyIsWrittenInFull() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        Ciphertext ct = c.skEncryptor.encrypt(c.encoder.encode(c.randomValues(41), 2, c.params.defaultScale()));
        int seededSize = s.toBytes(ct).length;
        long[] row = ct.poly(1).limb(0);
        row[5] = (row[5] + 1) % c.params.prime(0); // the seed no longer describes c_1
        byte[] b = s.toBytes(ct);
        assertEquals(seededSize - 32 + qBytes(c.params, 2), b.length);
        Ciphertext back = s.readCiphertext(in(b));
        assertNull(back.seed());
        assertEquals(ct.poly(1), back.poly(1));
    }

    @Test
    void writingAnObjectOfAnotherParameterSetIsRefused() {
        CkksContext toy = CkksContext.get(TOY);
        CkksSerializer other = new CkksSerializer(CkksContext.params(N8192));
        assertThrows(IllegalArgumentException.class, () -> other.toBytes(toy.pk));
        assertThrows(IllegalArgumentException.class, () -> other.toBytes(toy.evk));
        assertThrows(IllegalArgumentException.class, () -> other.toBytes(toy.encrypt(toy.randomValues(1), 1)));
        assertThrows(IllegalArgumentException.class, () -> other.writeSecretKey(new ByteArrayOutputStream(), toy.sk));
    }

    // ------------------------------------------------------------------ wrong kind, wrong set, version, weak set

    @Test
    void aWrongKindIsRefusedNamingBoth() {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        byte[] ct = s.toBytes(c.encrypt(c.randomValues(1), 1));
        refused(s::readPublicKey, ct, "ciphertext", "public key");
        refused(s::readSecretKey, ct, "ciphertext", "secret key");
        refused(s::readRelinearizationKey, s.toBytes(c.evk), "evaluation key set", "relinearization key");
        refused(s::readCiphertext, s.toBytes(c.pk), "public key", "ciphertext");
        refused(CkksSerializer::readParameters, ct, "ciphertext", "parameter set");
        refused(s::readPlaintext, forge(ct, b -> b[6] = 99), "unknown object kind 99");
    }

    @Test
    void anotherParameterSetIsRefusedNamingBothFingerprints() throws IOException {
        CkksContext toy = CkksContext.get(TOY);
        CkksParameters other = CkksContext.params(N8192);
        CkksSerializer s = new CkksSerializer(other);
        String got = String.format("%016x", toy.params.fingerprint());
        String expected = String.format("%016x", other.fingerprint());
        CkksSerializer toyS = new CkksSerializer(toy.params);
        refused(s::readCiphertext, toyS.toBytes(toy.encrypt(toy.randomValues(1), 0)),
                "belongs to parameter set " + got, "expected " + expected);
        refused(s::readEvaluationKeys, toyS.toBytes(toy.evk), "belongs to parameter set " + got);
        refused(s::readSecretKey, secretKeyBytes(toyS, toy.sk), "belongs to parameter set " + got);
        // A set that differs only in its scale has another fingerprint.
        CkksParameters rescaled = toy.params.toBuilder().scaleBits(29).build();
        refused(new CkksSerializer(rescaled)::readPublicKey, toyS.toBytes(toy.pk), "belongs to parameter set");
    }

    @Test
    void unknownVersionAndBadMagicAreRefused() {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        byte[] ct = s.toBytes(c.encrypt(c.randomValues(1), 1));
        refused(s::readCiphertext, forge(ct, b -> b[4] = 3), "format version 3 is not supported");
        // Version 1 Galois keys switched sigma_g(s) to s; their streams are refused rather than misread.
        refused(s::readCiphertext, forge(ct, b -> b[4] = 1), "format version 1 is not supported");
        refused(s::readCiphertext, forge(ct, b -> b[5] = 1), "format version 258");
        refused(s::readCiphertext, forge(ct, b -> b[0] = 'X'), "magic");
        refused(s::readCiphertext, forge(ct, b -> b[3] = 0), "magic");
        refused(s::readCiphertext, forge(ct, b -> b[7] = 1), "reserved");
        byte[] params = s.parametersToBytes();
        refused(CkksSerializer::readParameters, forge(params, b -> b[4] = 0), "format version 0");
    }

    @Test
    void aWeakOrInvalidParameterSpecInTheStreamIsRefused() throws IOException {
        CkksParameters toy = CkksContext.params(TOY);
        byte[] b = new CkksSerializer(toy).parametersToBytes();
        assertTrue(same(toy, CkksSerializer.readParameters(in(reseal(b.clone())))), "resealing alone changes nothing");
        // Security byte NONE -> 128 bits: N = 1024 with 160 bits of QP is far too weak.
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 7] = 1), "refused", "Homomorphic Encryption Standard");
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 7] = 9), "unknown security level code 9");
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 6] = 0), "dnum is 0");
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 4] = 0), "no ciphertext prime");
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 4] = 4), "announces", "takes");
        refused(CkksSerializer::readParameters, forge(b, x -> x[H + 1] = 3), "ringDegree");
        refused(CkksSerializer::readParameters, forge(b, x -> putLong(x, H + 20, toy.prime(0) + 2)), "prime");
        refused(CkksSerializer::readParameters, forge(b, x -> putLong(x, H + 8, 1.0)), "scale");
        // A valid set whose header fingerprint was replaced.
        refused(CkksSerializer::readParameters, forge(b, x -> x[8] ^= 1), "does not match the parameter set");
        // A 128-bit set is accepted, and one patched to claim 192 bits is refused.
        CkksParameters strong = CkksContext.params(N8192);
        byte[] sb = new CkksSerializer(strong).parametersToBytes();
        assertTrue(same(strong, CkksSerializer.readParameters(in(sb))));
        refused(CkksSerializer::readParameters, forge(sb, x -> x[H + 7] = 2), "BITS_192");
    }

    private static void putLong(byte[] b, int off, double v) {
        putLong(b, off, Double.doubleToRawLongBits(v));
    }

    // ------------------------------------------------------------------ forged fields (valid checksum)

    @Test
    void forgedFieldsAreRefusedEvenWithAValidChecksum() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        CkksSerializer full = new CkksSerializer(c.params, CkksSerializer.Form.FULL);
        byte[] ct = full.toBytes(c.encrypt(c.randomValues(1), 1));
        refused(s::readCiphertext, forge(ct, b -> b[H] = 3), "level 3 is above the parameter set's maximum level 2");
        refused(s::readCiphertext, forge(ct, b -> b[H + 1] = 3), "degree 3");
        refused(s::readCiphertext, forge(ct, b -> b[H + 1] = 0), "degree 0");
        refused(s::readCiphertext, forge(ct, b -> b[H + 2] = 2), "flags");
        for (double bad : new double[] {Double.NaN, -1, 0, Double.POSITIVE_INFINITY}) {
            refused(s::readCiphertext, forge(ct, b -> putLong(b, H + 3, bad)), "scale");
        }
        // Residue 0 of limb 0 of c_0 set to 2^50 - 1, above the 50-bit prime.
        refused(s::readCiphertext, forge(ct, b -> Arrays.fill(b, H + 11, H + 11 + 7, (byte) 0xFF)),
                "residue 0 of limb 0 of c_0", "not below its prime");
        // Residue 0 of limb 0 of c_0 set to exactly q_0 (the first value that is not a residue).
        long q0 = c.params.prime(0);
        refused(s::readCiphertext, forge(ct, b -> {
            long w = 0;
            for (int i = 7; i >= 0; i--) {
                w = (w << 8) | (b[H + 11 + i] & 0xFFL);
            }
            putLong(b, H + 11, (w & -(1L << 50)) | q0);
        }), "residue 0 of limb 0 of c_0 is " + q0);
        // The top 24 bits of the last residue of limb 1 of c_1 (30-bit prime) set to ones.
        refused(s::readCiphertext, forge(ct, b -> Arrays.fill(b, b.length - 7, b.length - 4, (byte) 0xFF)),
                "residue 1023 of limb 1 of c_1");
        refused(s::readCiphertext, forge(ct, b -> b[16] += 1), "announces");
        refused(s::readCiphertext, forge(ct, b -> b[16] -= 1), "announces");
        refused(s::readCiphertext, forge(ct, b -> b[23] = (byte) 0x80), "impossible payload length");
        // A seeded flag on a full stream and a full flag on a seeded stream change the implied length.
        refused(s::readCiphertext, forge(ct, b -> b[H + 2] = 1), "announces");
        byte[] seeded = s.toBytes(c.skEncryptor.encrypt(c.encoder.encode(c.randomValues(2), 2, c.params.defaultScale())));
        refused(s::readCiphertext, forge(seeded, b -> b[H + 2] = 0), "announces");
        byte[] product = s.toBytes(c.evaluator.multiply(c.encrypt(c.randomValues(3), 1), c.encrypt(c.randomValues(4), 1)));
        refused(s::readCiphertext, forge(product, b -> b[H + 2] = 1), "a seeded ciphertext must have degree 1");

        byte[] pt = s.toBytes(c.encoder.encode(c.randomValues(5), 0, c.params.defaultScale()));
        refused(s::readPlaintext, forge(pt, b -> b[H] = 7), "level 7 is above");
        refused(s::readPlaintext, forge(pt, b -> putLong(b, H + 1, -2.0)), "scale");

        byte[] sk = secretKeyBytes(s, c.sk);
        refused(s::readSecretKey, forge(sk, b -> b[H + 3] |= (byte) 0xC0), "coefficient 15 has the invalid code 3");

        byte[] gk = s.toBytes(c.evk.galoisKey(c.params.galoisElementForRotation(1)));
        refused(s::readGaloisKey, forge(gk, b -> putLong(b, H, 4L)), "Galois element 4 is not odd");
        refused(s::readGaloisKey, forge(gk, b -> putLong(b, H, 1L)), "Galois element 1 is not odd in [3, 2048)");
        refused(s::readGaloisKey, forge(gk, b -> putLong(b, H, 2049L)), "not odd in [3, 2048)");
        refused(s::readGaloisKey, forge(gk, b -> putLong(b, H, -1L)), "not odd");
        refused(s::readGaloisKey, forge(gk, b -> b[H + 8] = (byte) 0x81), "flags");
        refused(s::readPublicKey, forge(s.toBytes(c.pk), b -> b[H] = 4), "flags");
        refused(s::readRelinearizationKey, forge(s.toBytes(c.evk.relinearizationKey()), b -> b[H] = 0),
                "announces", "full relinearization key");

        byte[] evk = s.toBytes(c.evk);
        // Swap the first two Galois elements of the table: no longer increasing.
        refused(s::readEvaluationKeys, forge(evk, b -> {
            byte[] first = Arrays.copyOfRange(b, H + 5, H + 13);
            System.arraycopy(b, H + 14, b, H + 5, 8);
            System.arraycopy(first, 0, b, H + 14, 8);
        }), "strictly increasing");
        refused(s::readEvaluationKeys, forge(evk, b -> Arrays.fill(b, H + 1, H + 5, (byte) 0x7F)), "at most 1023 exist");
        refused(s::readEvaluationKeys, forge(evk, b -> b[H] = 4), "flags of the relinearization key are 0x04");
        // the leveled bit makes the next byte (the count's first) a level, here above the top one
        refused(s::readEvaluationKeys, forge(evk, b -> b[H] = 2), "must be below the top level");
        refused(s::readEvaluationKeys, forge(evk, b -> b[H] = (byte) 0xFF), "announces", "no relinearization key");
        refused(s::readEvaluationKeys, forge(evk, b -> b[H + 1] -= 1), "announces");
    }

    // ------------------------------------------------------------------ truncation and corruption

    @Test
    void truncatedInputThrowsEofAtEveryLength() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        CkksSerializer full = new CkksSerializer(c.params, CkksSerializer.Form.FULL);
        byte[] params = s.parametersToBytes();
        assertTruncationsThrow(params, CkksSerializer::readParameters, all(params.length));
        byte[] seededCt = s.toBytes(c.skEncryptor.encrypt(c.encoder.encode(c.randomValues(7), 2, c.params.defaultScale())));
        assertTruncationsThrow(seededCt, s::readCiphertext, all(seededCt.length));
        byte[] fullCt = full.toBytes(c.encrypt(c.randomValues(8), 2));
        assertTruncationsThrow(fullCt, s::readCiphertext, all(fullCt.length));
        byte[] sk = secretKeyBytes(s, c.sk);
        assertTruncationsThrow(sk, s::readSecretKey, all(sk.length));
        byte[] pt = s.toBytes(c.encoder.encode(c.randomValues(9), 1, c.params.defaultScale()));
        assertTruncationsThrow(pt, s::readPlaintext, sample(pt.length, 64, 3, 64));
        byte[] pk = s.toBytes(c.pk);
        assertTruncationsThrow(pk, s::readPublicKey, sample(pk.length, 128, 7, 64));
        byte[] gk = full.toBytes(c.evk.galoisKey(c.params.galoisElementForConjugation()));
        assertTruncationsThrow(gk, s::readGaloisKey, sample(gk.length, 128, 61, 64));
        byte[] evk = s.toBytes(c.evk);
        assertTruncationsThrow(evk, s::readEvaluationKeys, sample(evk.length, 256, 997, 64));
        // The large set: a sample of lengths.
        CkksContext m = CkksContext.get(N8192);
        CkksSerializer ms = new CkksSerializer(m.params);
        byte[] mct = ms.toBytes(m.encrypt(m.randomValues(10), m.params.maxLevel()));
        assertTruncationsThrow(mct, ms::readCiphertext, sample(mct.length, 64, 4099, 16));
        byte[] mrlk = ms.toBytes(m.evk.relinearizationKey());
        assertTruncationsThrow(mrlk, ms::readRelinearizationKey, sample(mrlk.length, 64, 65537, 8));
    }

    @Test
    void flippingAnyByteOfSmallObjectsNeverGivesADifferentObject() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        CkksSerializer full = new CkksSerializer(c.params, CkksSerializer.Form.FULL);
        byte[] params = s.parametersToBytes();
        assertFlipsRejectedOrSame(params, CkksSerializer::readParameters, c.params, SerializationTest::same,
                all(params.length));
        Ciphertext seeded = c.skEncryptor.encrypt(c.encoder.encode(c.randomValues(11), 2, c.params.defaultScale()));
        byte[] sb = s.toBytes(seeded);
        assertFlipsRejectedOrSame(sb, s::readCiphertext, seeded, SerializationTest::same, all(sb.length));
        Ciphertext ct = c.encrypt(c.randomValues(12), 0);
        byte[] fb = full.toBytes(ct);
        assertFlipsRejectedOrSame(fb, s::readCiphertext, ct, SerializationTest::same, all(fb.length));
        byte[] sk = secretKeyBytes(s, c.sk);
        assertFlipsRejectedOrSame(sk, s::readSecretKey, c.sk, SerializationTest::same, all(sk.length));
    }

    @Test
    void flippingSampledBytesOfLargeObjectsNeverGivesADifferentObject() throws IOException {
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        byte[] pk = s.toBytes(c.pk);
        assertFlipsRejectedOrSame(pk, s::readPublicKey, c.pk, SerializationTest::same, sample(pk.length, 96, 89, 32));
        byte[] evk = s.toBytes(c.evk);
        assertFlipsRejectedOrSame(evk, s::readEvaluationKeys, c.evk, SerializationTest::same,
                sample(evk.length, 160, 4001, 32));
        Plaintext pt = c.encoder.encode(c.randomValues(13), 2, c.params.defaultScale());
        byte[] ptb = s.toBytes(pt);
        assertFlipsRejectedOrSame(ptb, s::readPlaintext, pt, SerializationTest::same, sample(ptb.length, 96, 13, 32));

        CkksContext m = CkksContext.get(N8192);
        CkksSerializer ms = new CkksSerializer(m.params);
        Ciphertext mct = m.skEncryptor.encrypt(m.encoder.encode(m.randomValues(14), m.params.maxLevel(),
                m.params.defaultScale()));
        byte[] mb = ms.toBytes(mct);
        SplittableRandom r = new SplittableRandom(15);
        int[] positions = IntStream.concat(IntStream.range(0, 96), r.ints(64, 96, mb.length)).toArray();
        assertFlipsRejectedOrSame(mb, ms::readCiphertext, mct, SerializationTest::same, positions);
        GaloisKey g = m.evk.galoisKey(m.params.galoisElementForRotation(1));
        byte[] gb = ms.toBytes(g);
        int[] gpos = IntStream.concat(IntStream.range(0, 96), r.ints(24, 96, gb.length)).toArray();
        assertFlipsRejectedOrSame(gb, ms::readGaloisKey, g, SerializationTest::same, gpos);
    }

    @Test
    void bitPackingRoundTripsAtEveryWidth() {
        SplittableRandom r = new SplittableRandom(17);
        for (int bits = 1; bits <= 61; bits++) {
            long max = (1L << bits) - 1;
            long[] row = new long[64];
            for (int i = 0; i < row.length; i++) {
                row[i] = i < 2 ? (i == 0 ? 0 : max) : r.nextLong(max + 1);
            }
            byte[] packed = new byte[row.length * bits / 8 + 3];
            Arrays.fill(packed, (byte) 0x5A);
            WireFormat.pack(row, bits, packed, 1);
            assertEquals((byte) 0x5A, packed[0], "no write before the offset");
            assertEquals((byte) 0x5A, packed[1 + row.length * bits / 8], "no write past the limb");
            long[] back = new long[row.length];
            assertEquals(-1, WireFormat.unpack(packed, 1, bits, max + 1, back));
            assertArrayEquals(row, back, bits + " bits");
            // The first value not below the bound is reported, and only it.
            assertEquals(1, WireFormat.unpack(packed, 1, bits, max, back), bits + " bits");
        }
    }

    @Test
    void sameHelpersSeeDifferences() throws IOException {
        // The corruption tests rely on these predicates: they must tell different objects apart.
        CkksContext c = CkksContext.get(TOY);
        CkksSerializer s = new CkksSerializer(c.params);
        Ciphertext a = c.encrypt(c.randomValues(16), 1);
        Ciphertext b = s.readCiphertext(in(s.toBytes(a)));
        assertTrue(same(a, b));
        b.poly(0).limb(1)[7] = (b.poly(0).limb(1)[7] + 1) % c.params.prime(1);
        assertFalse(same(a, b));
        assertFalse(same(a, c.evaluator.multiplyConst(a, 1.0)));
        PublicKey pk = s.readPublicKey(in(new CkksSerializer(c.params, CkksSerializer.Form.FULL).toBytes(c.pk)));
        assertFalse(same(c.pk, pk), "a key without its seed differs from one with it");
        EvaluationKeys fewer = new EvaluationKeys(c.params, c.evk.relinearizationKey(), List.of());
        assertFalse(same(c.evk, fewer));
        assertFalse(same(c.params, CkksContext.params(N8192)));
    }
}
