package io.github.lola4j.lola;

import io.github.lola4j.testkit.SeededRandom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.RecordingProgress;
import io.github.lola4j.testkit.RecordingProgress.Task;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Encrypting an input or a batch on several threads gives the bytes one thread gives (the calls
 * without a parallelism included), reports one unit per ciphertext, and the ciphertexts decrypt to
 * the laid-out input.
 */
class ParallelEncryptionTest {

    private static Network net;
    private static List<double[]> images;
    private static ForkJoinPool two;
    private static ForkJoinPool four;
    private static List<Parallelism> parallelisms;

    @BeforeAll
    static void setUp() throws IOException {
        net = ModelRegistry.load("lola-small");
        LabeledImages sample = Mnist.embeddedSample();
        images = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            images.add(net.input(sample, i));
        }
        two = new ForkJoinPool(2);
        four = new ForkJoinPool(4);
        parallelisms = List.of(Parallelism.sequential(), Parallelism.of(two), Parallelism.of(four));
    }

    @AfterAll
    static void shutdown() {
        two.shutdown();
        four.shutdown();
    }

    private static byte[] bytes(ClientPlan c, EncryptedTensor x) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTensor(out, x);
        return out.toByteArray();
    }

    /** Every stride-th ciphertext decrypts to its packed slots (zeros after them), within CKKS noise. */
    private static void assertDecryptsTo(ClientPlan c, EncryptedTensor x, double[][] packed, SecretKey sk, int stride,
            String what) {
        CkksParameters params = c.parameters();
        Encoder encoder = new Encoder(params);
        Decryptor dec = new Decryptor(sk);
        List<Ciphertext> cts = x.ciphertexts();
        assertEquals(packed.length, cts.size(), what);
        double worst = 0;
        for (int i = 0; i < packed.length; i += stride) {
            double[] back = encoder.decode(dec.decrypt(cts.get(i)));
            for (int j = 0; j < back.length; j++) {
                double expected = j < packed[i].length ? packed[i][j] : 0;
                worst = Math.max(worst, Math.abs(back[j] - expected));
            }
        }
        assertTrue(worst < 1e-3, what + ": largest error " + worst);
    }

    @Test
    void anInputIsTheSameOnEveryThreadCountAndDecrypts() throws Exception {
        ClientPlan c = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(images)).clientPlan();
        int cts = c.inputRepresentation().ciphertexts();
        assertTrue(cts > 1, "lola-small's input representation takes several ciphertexts");
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(11));
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        double[] x = images.get(0);
        byte[] publicRef = bytes(c, c.encryptInput(x, pk, SeededRandom.of(12)));
        byte[] secretRef = bytes(c, c.encryptInput(x, sk, SeededRandom.of(13)));

        for (Parallelism par : parallelisms) {
            String what = "parallel: " + par.isParallel();
            RecordingProgress p = new RecordingProgress();
            EncryptedTensor byPk = c.encryptInput(x, pk, SeededRandom.of(12), par, p);
            EncryptedTensor bySk = c.encryptInput(x, sk, SeededRandom.of(13), par, p);
            assertArrayEquals(publicRef, bytes(c, byPk), "public key, " + what);
            assertArrayEquals(secretRef, bytes(c, bySk), "secret key, " + what);
            assertEquals(List.of(new Task("encrypting", cts, cts), new Task("encrypting", cts, cts)), p.tasks());
            assertDecryptsTo(c, byPk, c.inputRepresentation().pack(x), sk, 1, "public key, " + what);
            assertDecryptsTo(c, bySk, c.inputRepresentation().pack(x), sk, 1, "secret key, " + what);
        }
    }

    /**
     * A tensor read or written on several threads is what one thread reads or writes (seeded and public-key
     * ciphertexts), and a damaged, truncated or reordered one is refused naming the same ciphertext.
     */
    @Test
    void aTensorReadsTheSameOnEveryThreadCount() throws Exception {
        ClientPlan c = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(images)).clientPlan();
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(17));
        SecretKey sk = kg.secretKey();
        for (EncryptedTensor x : List.of(c.encryptInput(images.get(1), sk, SeededRandom.of(18)),
                c.encryptInput(images.get(2), kg.publicKey(sk), SeededRandom.of(19)))) {
            byte[] b = bytes(c, x);
            int third = b.length / 3;
            byte[] flipped = b.clone();
            flipped[third] ^= 0x04;
            byte[] cut = java.util.Arrays.copyOf(b, b.length - 100);
            byte[] tail = java.util.Arrays.copyOf(b, b.length); // the digest's last byte
            tail[b.length - 1] ^= 0x01;
            String[] sequential = new String[3];
            for (Parallelism par : parallelisms) {
                EncryptedTensor back = c.readInput(new java.io.ByteArrayInputStream(b), par);
                assertArrayEquals(b, bytes(c, back), "parallel: " + par.isParallel());
                ByteArrayOutputStream written = new ByteArrayOutputStream();
                c.writeTensor(written, x, par);
                assertArrayEquals(b, written.toByteArray(), "written, parallel: " + par.isParallel());
                int k = 0;
                for (byte[] bad : List.of(flipped, cut, tail)) {
                    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                            () -> c.readInput(new java.io.ByteArrayInputStream(bad), par));
                    if (sequential[k] == null) {
                        sequential[k] = e.getMessage();
                    } else {
                        assertEquals(sequential[k], e.getMessage(), "parallel: " + par.isParallel());
                    }
                    k++;
                }
            }
            assertTrue(sequential[0].contains("ciphertext "), sequential[0]);
            assertTrue(sequential[2].contains("stream digest"), sequential[2]);
        }
    }

    @Test
    void aBatchIsTheSameOnEveryThreadCountAndDecrypts() throws Exception {
        ClientPlan c = LolaCompiler.compile(net, CompileOptions.batch().withBatchSize(4)).clientPlan();
        int cts = c.inputRepresentation().ciphertexts();
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(14));
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        List<double[]> xs = images.subList(0, 3);
        byte[] publicRef = bytes(c, c.encryptBatch(xs, pk, SeededRandom.of(15)));
        byte[] secretRef = bytes(c, c.encryptBatch(xs, sk, SeededRandom.of(16)));
        int n = c.inputShape().size();
        double[] slots = new double[n * c.batchSize()];
        for (int b = 0; b < xs.size(); b++) {
            System.arraycopy(xs.get(b), 0, slots, b * n, n);
        }
        double[][] packed = c.inputRepresentation().pack(slots);

        // The references above are the one-thread encryptions (the calls without a parallelism run
        // Parallelism.sequential()); a batch is 784 ciphertexts, so only the pools run again.
        for (Parallelism par : parallelisms.subList(1, 3)) {
            String what = "parallel: " + par.isParallel();
            RecordingProgress p = new RecordingProgress();
            EncryptedTensor byPk = c.encryptBatch(xs, pk, SeededRandom.of(15), par, p);
            EncryptedTensor bySk = c.encryptBatch(xs, sk, SeededRandom.of(16), par, p);
            assertArrayEquals(publicRef, bytes(c, byPk), "public key, " + what);
            assertArrayEquals(secretRef, bytes(c, bySk), "secret key, " + what);
            assertEquals(List.of(new Task("encrypting", cts, cts), new Task("encrypting", cts, cts)), p.tasks());
            if (par == parallelisms.get(2)) {
                // The bytes are the same on every count, so one pass per key over every 7th of the 784
                // ciphertexts (all positions mod 7, both ends) shows they hold the batch.
                assertDecryptsTo(c, byPk, packed, sk, 7, "public key, " + what);
                assertDecryptsTo(c, bySk, packed, sk, 7, "secret key, " + what);
            }
        }
    }
}
