package io.github.lola4j.spark;

import io.github.lola4j.lola.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import picocli.CommandLine;

/**
 * Encrypted inference over a directory of tensor files, as a Spark job: each file is one
 * encrypted input of the plan (one tensor as {@code lola4j encrypt --out-dir} writes it: an image
 * for a latency plan, a batch of up to its batch size for a batch plan), and the job writes, for
 * each, one encrypted result file of the same name.
 *
 * <p>The job is given the server's plan and the client's evaluation keys, as bytes, and
 * broadcasts both once; each executor reads and prepares them once per JVM and evaluates every
 * record of every task with them. It has no parameter for a secret key: nothing it holds can
 * decrypt an input or a result.
 *
 * <p>From a cluster: {@code spark-submit --class io.github.lola4j.spark.EncryptedInference
 * lola4j-spark.jar --plan FILE --evaluation-keys FILE --input DIR --output DIR [--partitions N]}; on
 * one machine without a Spark installation, {@code java -cp lola4j-spark.jar:SPARK_JARS
 * io.github.lola4j.spark.EncryptedInference --master local[*] ...}
 * (docs/spark.md). From Java: {@link #run(SparkSession, byte[], byte[], String, String, int)}.
 */
@CommandLine.Command(name = "EncryptedInference", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a lola4j plan on a directory of encrypted tensor files (one per record) and writes",
                "one encrypted result file per input file, of the same name. No secret key is taken."},
        footer = "Paths are Hadoop paths (file:, hdfs:, s3a:, ...); a path without a scheme is on the default file system.")
public final class EncryptedInference implements Callable<Integer> {

    @CommandLine.Option(names = "--plan", required = true, paramLabel = "FILE",
            description = "the server's plan file (lola4j plan --out), with the weights")
    private String plan;

    @CommandLine.Option(names = "--evaluation-keys", required = true, paramLabel = "FILE",
            description = "the client's evaluation keys (lola4j keygen)")
    private String evaluationKeys;

    @CommandLine.Option(names = "--input", required = true, paramLabel = "DIR",
            description = "the encrypted inputs: one tensor file per record (lola4j encrypt --out-dir)")
    private String input;

    @CommandLine.Option(names = "--output", required = true, paramLabel = "DIR",
            description = "the encrypted results, one file per input file (created; must be empty if it exists)")
    private String output;

    @CommandLine.Option(names = "--partitions", paramLabel = "N",
            description = "tasks to spread the files over (default: one per file)")
    private int partitions;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--master", paramLabel = "URL",
            description = {"the Spark master, for a run without spark-submit: local[N] (N cores of this machine),",
                    "local[*] (all of them), or a cluster's URL (default: the one spark-submit or -Dspark.master sets)"})
    private String master;

    /**
     * What a run did.
     *
     * @param files          the input files, each with its result written
     * @param partitions     the tasks they were spread over
     * @param inputBytes     the input files' bytes
     * @param outputBytes    the result files' bytes
     * @param threadsPerTask the threads each record was evaluated on ({@code spark.task.cpus})
     * @param seconds        the run's time, from the driver's first check to the last result
     */
    public record Summary(int files, int partitions, long inputBytes, long outputBytes, int threadsPerTask, double seconds) {

        /** Records per second. */
        public double filesPerSecond() {
            return seconds > 0 ? files / seconds : 0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "evaluated %d file%s in %d partition%s, %d thread%s a task, in %.2f s (%.2f"
                    + " files/s): %d bytes in, %d bytes out", files, files == 1 ? "" : "s", partitions,
                    partitions == 1 ? "" : "s", threadsPerTask, threadsPerTask == 1 ? "" : "s", seconds, filesPerSecond(),
                    inputBytes, outputBytes);
        }
    }

    /**
     * The job's entry point for {@code spark-submit}.
     *
     * @param args {@code --plan FILE --evaluation-keys FILE --input DIR --output DIR [--partitions N] [--master URL]}
     */
    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * The job's command line: exit code 0, 2 on a usage error, 1 when the job fails, with the
     * failure's message (a refused file is named in it) on standard error rather than a stack trace.
     */
    static CommandLine commandLine() {
        return new CommandLine(new EncryptedInference()).setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("EncryptedInference: " + e.getMessage());
            cl.getErr().flush();
            return 1;
        });
    }

    /**
     * Runs the job with the options parsed from the command line, in the session of the
     * application (the one spark-submit sets up).
     *
     * @return 0
     * @throws IOException when a file cannot be read or written, or an input is refused (named)
     */
    @Override
    public Integer call() throws IOException {
        if (partitions < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--partitions must be 1 or more");
        }
        SparkSession.Builder builder = SparkSession.builder().appName("lola4j encrypted inference");
        if (master != null) {
            builder.master(master);
        }
        SparkSession spark = builder.getOrCreate();
        try {
            Configuration conf = spark.sparkContext().hadoopConfiguration();
            byte[] planBytes = readAll(new Path(plan), conf, "--plan");
            byte[] keyBytes = readAll(new Path(evaluationKeys), conf, "--evaluation-keys");
            Summary s = run(spark, planBytes, keyBytes, input, output, partitions);
            spec.commandLine().getOut().println(s);
            spec.commandLine().getOut().flush();
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * {@link #run(SparkSession, byte[], byte[], String, String, int)} with a plan in memory
     * (written to bytes for the broadcast).
     *
     * @param spark          the session
     * @param plan           the server's plan
     * @param evaluationKeys the client's evaluation keys, serialized ({@code lola4j keygen}'s file)
     * @param inputDir       the directory of input tensor files
     * @param outputDir      the directory for the results (created; must be empty if it exists)
     * @param partitions     the number of tasks, or 0 for one per file
     * @return what was done
     * @throws IOException as the other form
     */
    public static Summary run(SparkSession spark, Plan plan, byte[] evaluationKeys, String inputDir, String outputDir,
            int partitions) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        plan.write(b);
        return run(spark, b.toByteArray(), evaluationKeys, inputDir, outputDir, partitions);
    }

    /**
     * Evaluates the plan on every file of the input directory and writes one result file of the
     * same name per input file into the output directory; when it returns, the output directory
     * holds exactly those files. Files whose names start with {@code .} or {@code _} are not
     * inputs (Hadoop's hidden files).
     *
     * @param spark          the session
     * @param plan           the server's plan file's bytes ({@code lola4j plan --out}, prepared or not)
     * @param evaluationKeys the client's evaluation keys, serialized ({@code lola4j keygen}'s file)
     * @param inputDir       the directory of input tensor files
     * @param outputDir      the directory for the results (created; must be empty if it exists)
     * @param partitions     the number of tasks, or 0 for one per file
     * @return what was done
     * @throws IOException when the plan or the keys are not what they should be, the input
     *                     directory holds no file, the output directory is not empty, or a file
     *                     is not an encrypted input of this plan (the message names it)
     */
    public static Summary run(SparkSession spark, byte[] plan, byte[] evaluationKeys, String inputDir, String outputDir,
            int partitions) throws IOException {
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be 0 (one per file) or more, got " + partitions);
        }
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = jsc.hadoopConfiguration();
        // the driver reads both first: keys of other parameters fail here, before a task starts
        String digest = Loaded.digest(plan, evaluationKeys);
        Loaded.check(digest, plan, evaluationKeys, jsc.isLocal());
        Path in = qualified(new Path(inputDir), conf);
        List<String> names = inputs(in, conf);
        Path out = qualified(new Path(outputDir), conf);
        prepareOutput(out, conf);
        // no more tasks than files: an empty one would only be scheduled
        int tasks = partitions == 0 ? names.size() : Math.min(partitions, names.size());

        EvaluateFiles job = prepare(jsc, plan, evaluationKeys, digest, out.toString());
        long[] total;
        try {
            List<String> paths = new ArrayList<>(names.size());
            for (String n : names) {
                paths.add(new Path(in, n).toString());
            }
            // the paths, in name order, cut into contiguous runs, one a task: the driver decides the
            // partitions (binaryFiles would pack small files by size and ship the Hadoop
            // configuration with every record)
            total = jsc.parallelize(paths, tasks).map(job)
                    .reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], Math.max(a[2], b[2])});
        } catch (Exception e) {
            // Scala declares no exceptions: a failed job's SparkException arrives undeclared
            if (e instanceof SparkException) {
                throw new IOException(recordFailure(e), e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getMessage(), e);
        } finally {
            job.destroy();
        }
        checkOutput(names, out, conf);
        return new Summary(names.size(), tasks, total[0], total[1], (int) total[2], (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The task function with its broadcasts, the plan's bytes, the keys' bytes and the driver's
     * Hadoop configuration: all that is sent to the executors besides the digest, the output
     * directory's name and the input files' paths.
     */
    static EvaluateFiles prepare(JavaSparkContext jsc, byte[] plan, byte[] evaluationKeys, String digest, String outputDir) {
        return new EvaluateFiles(jsc.broadcast(plan), jsc.broadcast(evaluationKeys),
                jsc.broadcast(new SerializableConfiguration(jsc.hadoopConfiguration())), digest, outputDir);
    }

    /**
     * A path with its file system's scheme and authority, and absolute: the executors resolve
     * it as the driver does (a relative path would be taken from each executor's working directory).
     */
    private static Path qualified(Path p, Configuration conf) throws IOException {
        return p.getFileSystem(conf).makeQualified(p);
    }

    /** The input files' names, sorted; refuses a directory without any. */
    private static List<String> inputs(Path dir, Configuration conf) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        if (!fs.getFileStatus(dir).isDirectory()) {
            throw new IOException(dir + ": not a directory (the input is a directory of tensor files, one per record)");
        }
        TreeSet<String> names = new TreeSet<>();
        for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            if (hidden(name)) {
                continue;
            }
            if (!f.isFile()) {
                throw new IOException(f.getPath() + ": a directory among the input files (the input is one level of files)");
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw new IOException(dir + ": no input files");
        }
        return new ArrayList<>(names);
    }

    /** Creates the output directory, or refuses one that holds anything but hidden files. */
    private static void prepareOutput(Path dir, Configuration conf) throws IOException {
        FileSystem fs = EvaluateFiles.fileSystem(dir, conf);
        if (fs.exists(dir)) {
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new IOException(dir + ": not a directory");
            }
            for (FileStatus f : fs.listStatus(dir)) {
                if (!hidden(f.getPath().getName())) {
                    // an earlier run's results would mix with this one's
                    throw new IOException(dir + ": the output directory is not empty (" + f.getPath().getName() + ")");
                }
            }
        } else if (!fs.mkdirs(dir)) {
            throw new IOException(dir + ": cannot create the output directory");
        }
    }

    /**
     * Removes what attempts that died before their clean-up left (temporary files), then checks
     * that the output directory holds one result per input and nothing else.
     */
    private static void checkOutput(List<String> names, Path dir, Configuration conf) throws IOException {
        FileSystem fs = EvaluateFiles.fileSystem(dir, conf);
        TreeSet<String> found = new TreeSet<>();
        for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            if (name.startsWith(EvaluateFiles.TEMPORARY_PREFIX) && name.endsWith(EvaluateFiles.TEMPORARY_SUFFIX)) {
                fs.delete(f.getPath(), false);
            } else if (!hidden(name)) {
                found.add(name);
            }
        }
        for (String n : names) {
            if (!found.remove(n)) {
                throw new IOException(new Path(dir, n) + ": no result written for input " + n);
            }
        }
        if (!found.isEmpty()) {
            throw new IOException(new Path(dir, found.first()) + ": a result for no input file");
        }
    }

    /** The failed record's message from a job failure (it names the file), else the job's own message. */
    private static String recordFailure(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getStackTrace().length > 0
                    && EvaluateFiles.class.getName().equals(t.getStackTrace()[0].getClassName())) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }

    /** Hadoop's hidden files, which its input formats skip: names starting with . or _. */
    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    private static byte[] readAll(Path file, Configuration conf, String option) throws IOException {
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IOException(option + " " + file + ": " + e.getMessage(), e);
        }
    }
}
