package io.github.lola4j.spark;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
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
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.SparkSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The job's throughput against one machine's, on the same encrypted files: {@code lola} in both
 * modes, one JVM per runner. {@code one-machine} is what {@code lola4j evaluate --threads 2} does
 * (each file read, evaluated on both cores and written, one after the other); {@code local[1]} and
 * {@code local[2]} run {@link EncryptedInference#run} in local mode (one task per file, each on one
 * core; {@code -p taskCpus=2} gives each task both cores instead, one record at a time). Each
 * operation is one whole data set; the score is per image, so images/s is 1000 / score.
 *
 * <p>Both sides are measured warm, as a long-lived server and a cluster's executors run: the plan
 * is prepared and the keys read once (for Spark, by the first job, in the warm-up), and the JIT
 * has compiled the kernels. What Spark adds per job (scheduling, the driver's check of the plan and
 * keys, listing, broadcasts, renames) is in every operation. After each operation the output is
 * checked: one result per input, each the single-machine result byte for byte.
 *
 * <p>Run it with {@code mvn -B -pl lola4j-spark -am -Pspark-bench package -DskipTests} (docs/spark.md);
 * {@code -Dspark.bench.args="-p runner=local[2] -p ..."} passes JMH options.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms12g", "-Xmx12g"})
public class SparkThroughputBench {

    /** Latency mode: images, one file each. */
    static final int LATENCY_FILES = 32;

    /** Batch mode: files (batches) of {@link #BATCH_SIZE} images. */
    static final int BATCHES = 4;

    /** {@code lola}'s batch size in the default batch plan (checked at set-up). */
    static final int BATCH_SIZE = 4096;

    /** Who evaluates the files. */
    @State(Scope.Benchmark)
    public static class Evaluator {

        /** {@code one-machine}, or a Spark master URL for local mode. */
        @Param({"one-machine", "local[1]", "local[2]"})
        public String runner;

        /** Spark's {@code spark.task.cpus}: the threads a task evaluates its record on (1: records side by side). */
        @Param({"1"})
        public int taskCpus;

        SparkSession spark;
        ForkJoinPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            if (runner.equals("one-machine")) {
                pool = new ForkJoinPool(2);
            } else {
                spark = SparkSession.builder().master(runner).appName("SparkThroughputBench")
                        .config("spark.ui.enabled", "false")
                        .config("spark.task.cpus", taskCpus)
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
                spark.sparkContext().setLogLevel("WARN");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (spark != null) {
                spark.stop();
            }
            if (pool != null) {
                pool.shutdown();
            }
        }

        /** Evaluates every file of the data set into a new output directory. */
        Path evaluate(Data d) throws IOException {
            Path out = d.dir.resolve("out-" + d.runs++);
            if (spark != null) {
                EncryptedInference.run(spark, d.planBytes, d.keyBytes, d.inputs.toString(), out.toString(), 0);
                return out;
            }
            // lola4j evaluate's path, per file (EvaluateCommand)
            Files.createDirectories(out);
            Parallelism both = Parallelism.of(pool);
            for (Path f : d.files) {
                EncryptedTensor x;
                try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
                    x = d.plan.readInput(in, both);
                }
                EncryptedTensor y = d.plan.evaluate(x, d.keys, both);
                try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out.resolve(f.getFileName())))) {
                    d.plan.writeOutput(o, y, both);
                }
            }
            return out;
        }
    }

    /**
     * A plan, its keys, a directory of encrypted inputs and their single-machine results: the
     * tests' fixture ({@link EncryptedInferenceTest#fixture}) on {@code lola}.
     */
    abstract static class Data {
        Path dir;
        Path inputs;
        List<Path> files;
        EncryptedInferenceTest.Fixture fixture;
        byte[] planBytes;
        byte[] keyBytes;
        Plan plan;
        EvaluationKeys keys;
        int runs;
        private Path lastOutput;

        void make(CompileOptions options, int files) throws IOException {
            Network net = ModelRegistry.load("lola");
            LabeledImages sample = Mnist.embeddedSample();
            List<double[]> images = new ArrayList<>();
            for (int i = 0; i < sample.count(); i++) {
                images.add(net.input(sample, i));
            }
            // compiled as lola4j plan compiles it: calibrated on the embedded sample
            plan = LolaCompiler.compile(net, options.withCalibration(images));
            ClientPlan c = plan.clientPlan();
            if (c.isBatch() && c.batchSize() != BATCH_SIZE) {
                throw new IllegalStateException("lola's batch plan holds " + c.batchSize() + " images, the benchmark counts "
                        + BATCH_SIZE);
            }
            // the sample's images over and over, as many as the files hold
            int count = c.isBatch() ? files * BATCH_SIZE : files;
            List<double[]> repeated = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                repeated.add(images.get(i % images.size()));
            }
            fixture = EncryptedInferenceTest.fixture(plan, repeated, count);
            planBytes = fixture.planBytes();
            keyBytes = fixture.keyBytes();
            keys = new CkksSerializer(c.parameters()).readEvaluationKeys(new ByteArrayInputStream(keyBytes));
            plan.prepare();
            dir = Files.createTempDirectory("lola4j-spark-bench");
            inputs = fixture.writeInputs(dir.resolve("in"));
            this.files = new ArrayList<>();
            for (int k = 0; k < files; k++) {
                this.files.add(inputs.resolve(EncryptedInferenceTest.name(k, files)));
            }
        }

        /** The last operation's output: exactly one result per input, each the single-machine bytes; then deleted. */
        void check(Path out) throws IOException {
            EncryptedInferenceTest.assertExact(fixture, out);
            delete(out);
        }

        void last(Path out) {
            lastOutput = out;
        }

        @TearDown(Level.Invocation)
        public void checkLast() throws IOException {
            if (lastOutput != null) {
                check(lastOutput);
                lastOutput = null;
            }
        }

        @TearDown(Level.Trial)
        public void clean() throws IOException {
            if (dir != null) {
                delete(dir);
            }
        }

        private static void delete(Path p) throws IOException {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(q);
                }
            }
        }
    }

    /** Latency mode: {@value #LATENCY_FILES} files of one encrypted image. */
    @State(Scope.Benchmark)
    public static class LatencyData extends Data {
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            make(CompileOptions.lowLatency(), LATENCY_FILES);
        }
    }

    /** Batch mode: {@value #BATCHES} files of {@value #BATCH_SIZE} encrypted images. */
    @State(Scope.Benchmark)
    public static class BatchData extends Data {
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            make(CompileOptions.batch(), BATCHES);
        }
    }

    /** Time per image, latency plan (short operations: five to pass the vector kernels' warm-up). */
    @Benchmark
    @Warmup(iterations = 5)
    @OperationsPerInvocation(LATENCY_FILES)
    public void latency(Evaluator r, LatencyData d) throws IOException {
        d.last(r.evaluate(d));
    }

    /** Time per image, batch plan (one operation, about 20 s, is past the warm-up). */
    @Benchmark
    @Warmup(iterations = 1)
    @OperationsPerInvocation(BATCHES * BATCH_SIZE)
    public void batch(Evaluator r, BatchData d) throws IOException {
        d.last(r.evaluate(d));
    }

    /**
     * Runs the benchmarks with JMH's command-line options, adding the {@code --add-opens} options
     * that Spark needs on Java 17 to the forked JVM (the ones spark-submit adds); or, with {@code
     * --alternate}, the A/B comparison of {@link #alternate}.
     *
     * @param args JMH's options ({@code -p runner=local[2]}, {@code -i 3}, a benchmark name ...), or
     *             {@code --alternate latency|batch ROUNDS MASTER [TASK_CPUS]}
     * @throws RunnerException when a benchmark fails
     * @throws CommandLineOptionException when an option is wrong
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException, IOException {
        if (args.length > 0 && args[0].equals("--alternate")) {
            alternate(args);
            return;
        }
        CommandLineOptions cli = new CommandLineOptions(args);
        List<String> jvm = new ArrayList<>(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        if (cli.getJvmArgsAppend().hasValue()) {
            jvm.addAll(cli.getJvmArgsAppend().get());
        }
        OptionsBuilder o = new OptionsBuilder();
        o.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            o.include(SparkThroughputBench.class.getName());
        }
        new Runner(o.jvmArgsAppend(jvm.toArray(new String[0])).build()).run();
    }

    /**
     * One machine and Spark in turns, in this JVM: JMH runs each in its own JVM one after the
     * other, so on a shared host whose load drifts over minutes, the two are measured under
     * different loads; taking turns round by round puts both under the same load, and the ratio of
     * each round's pair is what to read. Both are warm: one round of each is run and not counted
     * first. The JVM must have Spark's {@code --add-opens} options (the {@code spark-bench} profile
     * passes them).
     */
    private static void alternate(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException("--alternate latency|batch ROUNDS MASTER [TASK_CPUS]");
        }
        Data d = switch (args[1]) {
            case "latency" -> new LatencyData();
            case "batch" -> new BatchData();
            default -> throw new IllegalArgumentException("--alternate " + args[1] + ": expected latency or batch");
        };
        int rounds = Integer.parseInt(args[2]);
        Evaluator one = new Evaluator();
        one.runner = "one-machine";
        Evaluator spark = new Evaluator();
        spark.runner = args[3];
        spark.taskCpus = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int images = d instanceof BatchData ? BATCHES * BATCH_SIZE : LATENCY_FILES;
        try {
            if (d instanceof BatchData b) {
                b.setUp();
            } else {
                ((LatencyData) d).setUp();
            }
            one.setUp();
            spark.setUp();
            double[] ratios = new double[rounds];
            for (int r = -1; r < rounds; r++) {
                double a = timed(one, d);
                double b = timed(spark, d);
                if (r >= 0) {
                    ratios[r] = a / b;
                    System.out.printf(Locale.ROOT, "round %d: one machine %.0f images/s, Spark %s (task.cpus %d) %.0f images/s:"
                            + " %.3f of one machine%n", r + 1, images / a, spark.runner, spark.taskCpus, images / b, ratios[r]);
                }
            }
            Arrays.sort(ratios);
            System.out.printf(Locale.ROOT, "Spark / one machine, images/s: median %.3f, range %.3f to %.3f over %d rounds%n",
                    ratios[rounds / 2], ratios[0], ratios[rounds - 1], rounds);
        } finally {
            spark.tearDown();
            one.tearDown();
            d.clean();
        }
    }

    /** Seconds for one whole data set, its output checked (not timed). */
    private static double timed(Evaluator e, Data d) throws IOException {
        long t = System.nanoTime();
        Path out = e.evaluate(d);
        double s = (System.nanoTime() - t) / 1e9;
        d.check(out);
        return s;
    }
}
