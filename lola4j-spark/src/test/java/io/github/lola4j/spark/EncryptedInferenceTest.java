package io.github.lola4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.Snippets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job in local mode, two cores and two attempts per task ({@code local[2,2]}): its results
 * are the single-machine evaluation's, byte for byte, one file per input file, also when a task
 * fails once; bad inputs fail it, naming the file; and nothing it takes or holds is a secret key.
 */
class EncryptedInferenceTest {

    private static SparkSession spark;
    private static List<double[]> images;
    private static Fixture latency;
    private static Fixture batch;

    @TempDir
    Path tmp;

    /** A plan, its keys, and what it takes and gives: encrypted inputs and their single-machine results. */
    record Fixture(Plan plan, byte[] planBytes, byte[] keyBytes, List<byte[]> inputs, List<byte[]> expected) {

        /** Writes the inputs as encrypt --out-dir names them, in a new directory. */
        Path writeInputs(Path dir) throws IOException {
            Files.createDirectories(dir);
            for (int i = 0; i < inputs.size(); i++) {
                Files.write(dir.resolve(name(i, inputs.size())), inputs.get(i));
            }
            return dir;
        }
    }

    /** The latency fixture, made once for every test class of this JVM. */
    static synchronized Fixture latency() throws IOException {
        if (latency == null) {
            makeFixtures();
        }
        return latency;
    }

    private static synchronized void makeFixtures() throws IOException {
        if (latency != null) {
            return;
        }
        Network net = ModelRegistry.load("lola-small");
        LabeledImages sample = Mnist.embeddedSample();
        images = new ArrayList<>();
        // a few calibration images: the plan is small, the test about the job
        for (int i = 0; i < Math.min(16, sample.count()); i++) {
            images.add(net.input(sample, i));
        }
        latency = fixture(LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(images)), images, 5);
        // the smallest ring a batch of lola-small fits, as PipelineCommandsTest's: half the work of the default
        batch = fixture(LolaCompiler.compile(net, CompileOptions.batch().withBatchSize(4).withRingDegrees(8192)), images, 6);
    }

    @BeforeAll
    static void setUp() throws IOException {
        makeFixtures();
        spark = SparkSession.builder().master("local[2,2]").appName("EncryptedInferenceTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "localhost")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @AfterEach
    void noHook() {
        EvaluateFiles.beforeRename = name -> { };
    }

    /**
     * Encrypts the first {@code count} images (one a tensor, or batches of the plan's size) under
     * new keys and evaluates each on this machine (also SparkThroughputBench's data).
     */
    static Fixture fixture(Plan plan, List<double[]> images, int count) throws IOException {
        ClientPlan c = plan.clientPlan();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(c.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, c.keyRequirements());
        ByteArrayOutputStream keys = new ByteArrayOutputStream();
        new CkksSerializer(c.parameters()).write(keys, evk);
        ByteArrayOutputStream planBytes = new ByteArrayOutputStream();
        plan.write(planBytes);
        List<byte[]> inputs = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        int per = c.isBatch() ? c.batchSize() : 1;
        for (int k = 0; k < count; k += per) {
            List<double[]> part = images.subList(k, Math.min(count, k + per));
            EncryptedTensor x = c.isBatch() ? c.encryptBatch(part, sk, rnd) : c.encryptInput(part.get(0), sk, rnd);
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            c.writeTensor(in, x);
            inputs.add(in.toByteArray());
            // the single-machine evaluation, of the tensor as read back from its bytes (as the job reads it), on
            // both cores (the job's tasks evaluate on one each: the bytes must not depend on it)
            Parallelism both = Parallelism.of(ForkJoinPool.commonPool());
            EncryptedTensor read = plan.readInput(new ByteArrayInputStream(in.toByteArray()), both);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            plan.writeOutput(out, plan.evaluate(read, evk, both), both);
            expected.add(out.toByteArray());
        }
        return new Fixture(plan, planBytes.toByteArray(), keys.toByteArray(), inputs, expected);
    }

    /** The names encrypt --out-dir gives. */
    static String name(int i, int n) {
        return String.format("%05d-of-%05d.tensor", i, n);
    }

    /** Every file of a directory, hidden ones included, by name. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> all = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                all.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return all;
    }

    /** The output holds exactly one file per input, of the same name, with the single-machine result's bytes. */
    static void assertExact(Fixture f, Path output) throws IOException {
        Map<String, byte[]> out = files(output);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < f.inputs().size(); i++) {
            names.add(name(i, f.inputs().size()));
        }
        assertEquals(names, new ArrayList<>(out.keySet()), "one result per input, nothing else (no temporary file)");
        for (int i = 0; i < names.size(); i++) {
            assertArrayEquals(f.expected().get(i), out.get(names.get(i)), names.get(i));
        }
    }

    @Test
    void latencyResultsAreTheSingleMachineOnesBitForBit() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        int before = Loaded.preparations();
        EncryptedInference.Summary s = EncryptedInference.run(spark, latency.plan(), latency.keyBytes(), in.toString(),
                out.toString(), 0);
        assertExact(latency, out);
        assertEquals(5, s.files());
        assertEquals(5, s.partitions(), "one task per file by default");
        assertEquals(1, s.threadsPerTask(), "one thread a task (spark.task.cpus = 1)");
        assertEquals(latency.inputs().stream().mapToLong(b -> b.length).sum(), s.inputBytes());
        assertEquals(latency.expected().stream().mapToLong(b -> b.length).sum(), s.outputBytes());
        // the executor is this JVM: the pair was prepared once, for five records in five tasks on two cores
        assertTrue(Loaded.preparations() - before <= 1, "prepared " + (Loaded.preparations() - before) + " times");

        // the same again in two partitions: the cached pair, and the same bytes
        Path out2 = tmp.resolve("out2");
        before = Loaded.preparations();
        assertEquals(2, EncryptedInference.run(spark, latency.planBytes(), latency.keyBytes(), in.toString(), out2.toString(),
                2).partitions());
        assertExact(latency, out2);
        assertEquals(before, Loaded.preparations(), "the cached plan and keys are reused");
    }

    /** docs/spark.md's call from Java, on files as the command line writes them. */
    @Test
    void theDocumentedCallRuns() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        Path planFile = Files.write(tmp.resolve("model.plan"), latency.planBytes());
        Path keyFile = Files.write(tmp.resolve("eval.keys"), latency.keyBytes());
        {
            // snippet spark-run
            SparkSession spark = SparkSession.builder().master("local[2]").getOrCreate();
            byte[] plan = Files.readAllBytes(planFile); // lola4j plan --out: the server's plan
            byte[] keys = Files.readAllBytes(keyFile); // lola4j keygen: the client's evaluation keys
            EncryptedInference.Summary s = EncryptedInference.run(spark, plan, keys, in.toString(), out.toString(), 0);
            // end snippet
            assertEquals(5, s.files());
        }
        assertExact(latency, out);
        Snippets.assertDocumented(Path.of("lola4j-spark/src/test/java/io/github/lola4j/spark/EncryptedInferenceTest.java"),
                "spark-run", Path.of("docs/spark.md"));
    }

    @Test
    void batchResultsAreTheSingleMachineOnesBitForBit() throws IOException {
        assertEquals(2, batch.inputs().size(), "six images in batches of four: two files");
        Path in = batch.writeInputs(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        EncryptedInference.Summary s = EncryptedInference.run(spark, batch.planBytes(), batch.keyBytes(), in.toString(),
                out.toString(), 0);
        assertExact(batch, out);
        assertEquals(2, s.files());
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheOutputIsExact() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        AtomicInteger failures = new AtomicInteger();
        String victim = name(3, 5);
        // after the temporary file is written, before its rename: the worst moment to fail
        EvaluateFiles.beforeRename = n -> {
            if (n.equals(victim) && TaskContext.get().attemptNumber() == 0) {
                failures.incrementAndGet();
                throw new IllegalStateException("made to fail once: " + n);
            }
        };
        // two files a task: the failed task's other file is written again over its first attempt's
        EncryptedInference.run(spark, latency.planBytes(), latency.keyBytes(), in.toString(), out.toString(), 2);
        assertEquals(1, failures.get(), "the first attempt failed");
        assertExact(latency, out);
    }

    @Test
    void noSecretKeyReachesTheJob() {
        for (Class<?> c : List.of(EncryptedInference.class, EncryptedInference.Summary.class, EvaluateFiles.class,
                Loaded.class, Loaded.Source.class)) {
            for (Field f : c.getDeclaredFields()) {
                assertFalse(mentionsSecretKey(f.getGenericType().getTypeName()), c.getSimpleName() + "." + f.getName());
            }
            for (Method m : c.getDeclaredMethods()) {
                assertFalse(mentionsSecretKey(m.toGenericString()), c.getSimpleName() + "." + m.getName());
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                assertFalse(mentionsSecretKey(k.toGenericString()), c.getSimpleName() + " constructor");
            }
        }
        // what travels to the executors: broadcasts of exactly the plan's and the keys' bytes and of
        // Spark's Hadoop configuration, the digest and names; the records are the input files' paths
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        EvaluateFiles job = EncryptedInference.prepare(jsc, latency.planBytes(), latency.keyBytes(), "d", "out");
        assertArrayEquals(latency.planBytes(), job.planBroadcast().value());
        assertArrayEquals(latency.keyBytes(), job.keyBroadcast().value());
        assertEquals(SerializableConfiguration.class, job.hadoopBroadcast().value().getClass());
        for (Field f : EvaluateFiles.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertTrue(f.getType() == Broadcast.class || f.getType() == String.class, f.toString());
            }
        }
        job.destroy();
    }

    private static boolean mentionsSecretKey(String type) {
        return type.contains("SecretKey") && !type.contains("javax.crypto");
    }

    @Test
    void aCorruptFileFailsTheJobNamingIt() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        Path bad = in.resolve(name(2, 5));
        byte[] b = Files.readAllBytes(bad);
        b[b.length / 2] ^= 0x10;
        Files.write(bad, b);
        IOException e = assertThrows(IOException.class, () -> EncryptedInference.run(spark, latency.planBytes(),
                latency.keyBytes(), in.toString(), tmp.resolve("out").toString(), 0));
        assertTrue(e.getMessage().contains(name(2, 5)), e.getMessage());
        awaitIdle();
    }

    @Test
    void aTensorOfAnotherPlanFailsTheJobNamingIt() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        Files.write(in.resolve("zz-other-plan.tensor"), batch.inputs().get(1));
        IOException e = assertThrows(IOException.class, () -> EncryptedInference.run(spark, latency.planBytes(),
                latency.keyBytes(), in.toString(), tmp.resolve("out").toString(), 0));
        assertTrue(e.getMessage().contains("zz-other-plan.tensor"), e.getMessage());
        awaitIdle();
    }

    /**
     * Waits for the tasks still running after a job failed (Spark aborts the job, not its running
     * tasks, which still write their results): the temporary folder is deleted after the test.
     */
    private static void awaitIdle() {
        long until = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < until) {
            int running = 0;
            for (var e : spark.sparkContext().statusTracker().getExecutorInfos()) {
                running += e.numRunningTasks();
            }
            if (running == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Test
    void keysOfOtherParametersAreRefusedBeforeAnyTask() throws IOException {
        Path in = latency.writeInputs(tmp.resolve("in"));
        assertNotEquals(latency.plan().parameters(), batch.plan().parameters(), "the two plans' parameters differ");
        IOException e = assertThrows(IOException.class, () -> EncryptedInference.run(spark, latency.planBytes(),
                batch.keyBytes(), in.toString(), tmp.resolve("out").toString(), 0));
        assertTrue(e.getMessage().startsWith("the evaluation keys"), e.getMessage());
    }
}
