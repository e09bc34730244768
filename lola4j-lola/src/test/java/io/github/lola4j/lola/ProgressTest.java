package io.github.lola4j.lola;

import io.github.lola4j.testkit.SeededRandom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.format.Progress;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The long operations of the LoLa layer report to a {@link Progress} as documented, and reporting
 * changes nothing: the same plan, the same ciphertexts from the same randomness, the same result.
 */
class ProgressTest {

    private static Network net;
    private static List<double[]> calibration;
    private static CompileOptions options;
    private static Plan plan;

    @BeforeAll
    static void compile() throws IOException {
        net = ModelRegistry.load("lola-small");
        LabeledImages sample = Mnist.embeddedSample();
        calibration = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            calibration.add(net.input(sample, i));
        }
        options = CompileOptions.lowLatency().withCalibration(calibration);
        plan = LolaCompiler.compile(net, options);
    }

    private static byte[] bytes(Plan p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.write(out);
        return out.toByteArray();
    }

    private static byte[] bytes(ClientPlan c, EncryptedTensor x) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTensor(out, x);
        return out.toByteArray();
    }

    @Test
    void compilingReportsItsPhasesAndGivesTheSamePlan() throws IOException {
        RecordingProgress p = new RecordingProgress();
        Plan reported = LolaCompiler.compile(net, options.withProgress(p));

        assertArrayEquals(bytes(plan), bytes(reported), "reporting changes nothing in the plan");
        assertEquals(plan.report().toString(), reported.report().toString());
        assertFalse(p.active(), "every task is done");
        List<Task> tasks = p.tasks();
        int layers = net.layers().size();
        assertEquals(new Task("preparing layers", layers, layers), tasks.get(0));
        assertEquals(new Task("measuring value ranges", calibration.size(), calibration.size()), tasks.get(1));
        Task search = tasks.get(2);
        assertEquals("searching plans", search.name());
        assertEquals(Progress.UNKNOWN, search.total());
        assertTrue(search.advanced() > 0, "the search builds kernels");
        assertTrue(tasks.size() >= 5, tasks.toString());
        for (Task t : tasks.subList(3, tasks.size())) {
            assertTrue(t.name().equals("checking headroom") || t.name().equals("predicting the error"), t.name());
            assertEquals(t.total(), t.advanced(), t.toString());
        }
        assertEquals(new Task("checking headroom", calibration.size(), calibration.size()), tasks.get(3));
        assertEquals(new Task("predicting the error", 16, 16), tasks.get(tasks.size() - 1));
    }

    @Test
    void encryptionReportsEachCiphertextAndDrawsTheSameOnes() throws Exception {
        ClientPlan c = plan.clientPlan();
        int cts = c.inputRepresentation().ciphertexts();
        assertTrue(cts > 1, "lola-small's convolution representation takes several ciphertexts");
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(1));
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        double[] x = calibration.get(0);

        RecordingProgress p = new RecordingProgress();
        byte[] reported = bytes(c, c.encryptInput(x, pk, SeededRandom.of(2), p));
        assertArrayEquals(bytes(c, c.encryptInput(x, pk, SeededRandom.of(2))), reported, "public-key encryption");
        reported = bytes(c, c.encryptInput(x, sk, SeededRandom.of(3), p));
        assertArrayEquals(bytes(c, c.encryptInput(x, sk, SeededRandom.of(3))), reported, "secret-key encryption");
        assertEquals(List.of(new Task("encrypting", cts, cts), new Task("encrypting", cts, cts)), p.tasks());
    }

    @Test
    void batchEncryptionReportsEachCiphertext() throws Exception {
        Plan batch = LolaCompiler.compile(net, CompileOptions.batch().withBatchSize(4));
        ClientPlan c = batch.clientPlan();
        int cts = c.inputRepresentation().ciphertexts();
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(4));
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        List<double[]> xs = calibration.subList(0, 3);

        RecordingProgress p = new RecordingProgress();
        byte[] reported = bytes(c, c.encryptBatch(xs, pk, SeededRandom.of(5), p));
        // a batch of 784 ciphertexts a time: the secret-key one only counted
        assertArrayEquals(bytes(c, c.encryptBatch(xs, pk, SeededRandom.of(5))), reported, "public-key encryption");
        c.encryptBatch(xs, sk, SeededRandom.of(6), p);
        assertEquals(List.of(new Task("encrypting", cts, cts), new Task("encrypting", cts, cts)), p.tasks());
    }

    @Test
    void evaluationReportsEachStepAndGivesTheSameResult() throws Exception {
        ClientPlan c = plan.clientPlan();
        KeyGenerator kg = new KeyGenerator(c.parameters(), SeededRandom.of(7));
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements());
        EncryptedTensor x = c.encryptInput(calibration.get(1), sk, SeededRandom.of(8));

        RecordingProgress p = new RecordingProgress();
        byte[] reported = bytes(c, plan.evaluate(x, evk, Parallelism.sequential(), p));
        assertArrayEquals(bytes(c, plan.evaluate(x, evk)), reported);
        int steps = plan.steps().size();
        assertEquals(List.of(new Task("evaluating", steps, steps)), p.tasks());
    }

    @Test
    void measuringTheCostModelReportsEachLimbCount() {
        RecordingProgress p = new RecordingProgress();
        CostModel.measure(new int[] {1024}, null, p);
        int counts = CostModel.sampleLimbs(1024).length;
        assertEquals(List.of(new Task("measuring operation times", counts, counts)), p.tasks());
    }
}
