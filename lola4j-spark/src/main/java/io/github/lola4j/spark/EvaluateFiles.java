package io.github.lola4j.spark;

import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.ring.Parallelism;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The task: one input file (one encrypted tensor) in, one result file of the same name out.
 *
 * <p>It holds three broadcasts (the plan's bytes, the evaluation keys' bytes, and the driver's
 * Hadoop configuration, which says how to reach the file systems), the pair's digest and the
 * output directory; the records are the input files' paths. The result is written to a hidden
 * temporary name unique to the task attempt, then renamed: a failed or retried attempt leaves
 * either no file or the whole one, and since evaluation is deterministic (the same tensor and keys
 * give the same bytes), a retry that renames over an earlier attempt's file writes the same bytes
 * again.
 */
final class EvaluateFiles implements Function<String, long[]>, Loaded.Source {

    private static final long serialVersionUID = 1L;

    /** The temporary name's prefix: hidden, so that Hadoop and Spark sources skip it, and the driver can find leftovers. */
    static final String TEMPORARY_PREFIX = ".lola4j-";

    /** The temporary name's suffix. */
    static final String TEMPORARY_SUFFIX = ".part";

    /**
     * Called with a file's name after its temporary file is written and before the rename (tests:
     * a task made to fail there). Static, so never serialized; in local mode the executor is
     * this JVM.
     */
    static volatile Consumer<String> beforeRename = name -> { };

    private final Broadcast<byte[]> plan;
    private final Broadcast<byte[]> keys;
    // Broadcast once, not shipped with every record: a Configuration deserialized per record
    // parses Hadoop's XML resources again on its first use (the latency-mode job ran at 0.59-0.63
    // of one machine with it, 0.76-0.99 after, docs/spark.md)
    private final Broadcast<SerializableConfiguration> hadoop;
    private final String digest;
    private final String outputDir;

    EvaluateFiles(Broadcast<byte[]> plan, Broadcast<byte[]> keys, Broadcast<SerializableConfiguration> hadoop, String digest,
            String outputDir) {
        this.plan = plan;
        this.keys = keys;
        this.hadoop = hadoop;
        this.digest = digest;
        this.outputDir = outputDir;
    }

    /** The broadcast of the plan's bytes. */
    Broadcast<byte[]> planBroadcast() {
        return plan;
    }

    /** The broadcast of the evaluation keys' bytes. */
    Broadcast<byte[]> keyBroadcast() {
        return keys;
    }

    /** The broadcast of the driver's Hadoop configuration. */
    Broadcast<SerializableConfiguration> hadoopBroadcast() {
        return hadoop;
    }

    /** Removes the broadcasts from the executors and the driver (the job is over). */
    void destroy() {
        plan.destroy();
        keys.destroy();
        hadoop.destroy();
    }

    @Override
    public byte[] planBytes() {
        return plan.value();
    }

    @Override
    public byte[] keyBytes() {
        return keys.value();
    }

    /**
     * Evaluates one file.
     *
     * @return its input and output sizes in bytes, and the threads it was evaluated on
     * @throws IOException naming the file, when it is not one encrypted input of this plan or the
     *                     result cannot be written
     */
    @Override
    public long[] call(String uri) throws IOException {
        Loaded loaded = Loaded.get(digest, this);
        int cpus = taskCpus();
        ForkJoinPool pool = cpus > 1 ? new ForkJoinPool(cpus) : null;
        try {
            long[] sizes = evaluate(uri, loaded, pool == null ? Parallelism.sequential() : Parallelism.of(pool));
            return new long[] {sizes[0], sizes[1], cpus};
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /**
     * Reads, evaluates and writes one file on the task's cores: one thread by default; with
     * {@code spark.task.cpus} above one, a pool of that many (fewer records in memory at once,
     * each evaluated on several cores, as one machine's {@code lola4j evaluate --threads} does).
     */
    private long[] evaluate(String uri, Loaded loaded, Parallelism threads) throws IOException {
        EncryptedTensor y;
        Path source = new Path(uri);
        Configuration conf = hadoop.value().value();
        long inBytes;
        try {
            EncryptedTensor x;
            FileSystem sourceFs = source.getFileSystem(conf);
            try (InputStream in = new BufferedInputStream(sourceFs.open(source), 1 << 16)) {
                x = loaded.plan.readInput(in, threads);
                if (in.read() >= 0) {
                    throw new IOException("more than one tensor: a file is one record (one tensor, one image or one batch)");
                }
            }
            // the tensor was the whole file, so the bytes read are the file's length
            inBytes = sourceFs.getFileStatus(source).getLen();
            y = loaded.plan.evaluate(x, loaded.keys, threads);
        } catch (IOException | RuntimeException e) {
            throw new IOException(uri + ": " + e.getMessage(), e);
        }
        Path target = new Path(outputDir, source.getName());
        Path temporary = new Path(outputDir, TEMPORARY_PREFIX + source.getName() + ".attempt-" + attempt() + TEMPORARY_SUFFIX);
        FileSystem fs = fileSystem(target, conf);
        try {
            try (OutputStream out = new BufferedOutputStream(fs.create(temporary, true))) {
                loaded.plan.writeOutput(out, y, threads);
            }
            long outBytes = fs.getFileStatus(temporary).getLen();
            beforeRename.accept(source.getName());
            // HDFS refuses to rename onto an existing file (a speculative or earlier attempt's, with
            // the same bytes); the local file system replaces it
            if (!fs.rename(temporary, target)) {
                fs.delete(target, false);
                if (!fs.rename(temporary, target)) {
                    throw new IOException("cannot rename " + temporary + " to " + target);
                }
            }
            return new long[] {inBytes, outBytes};
        } catch (IOException | RuntimeException e) {
            throw new IOException(uri + ": writing " + target + ": " + e.getMessage(), e);
        } finally {
            if (fs.exists(temporary)) {
                fs.delete(temporary, false);
            }
        }
    }

    /**
     * The file system of a path, without client-side checksums: the local file system would
     * otherwise write a hidden {@code .NAME.crc} beside every result, a second file per input.
     */
    static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    /** The cores Spark gave this task ({@code spark.task.cpus}; 1 outside a task). */
    private static int taskCpus() {
        TaskContext t = TaskContext.get();
        return t == null ? 1 : Math.max(1, t.cpus());
    }

    /** This task attempt's id, unique in the application (0 outside a task). */
    private static long attempt() {
        TaskContext t = TaskContext.get();
        return t == null ? 0 : t.taskAttemptId();
    }
}
