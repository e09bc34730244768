package io.github.lola4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The job as spark-submit starts it: the options a cluster operator passes, the session of the
 * application (here local mode, from the spark.master property as spark-submit sets it), its exit
 * codes and messages.
 */
class EncryptedInferenceMainTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void submit() {
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "localhost");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    }

    @AfterEach
    void clear() {
        for (String p : new String[] {"spark.master", "spark.ui.enabled", "spark.driver.host", "spark.driver.bindAddress"}) {
            System.clearProperty(p);
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = EncryptedInference.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The latency fixture as files: what an operator is given. */
    private record Job(EncryptedInferenceTest.Fixture fixture, Path in, Path plan, Path keys) {
    }

    private Job job() throws IOException {
        EncryptedInferenceTest.Fixture f = EncryptedInferenceTest.latency();
        return new Job(f, f.writeInputs(tmp.resolve("in")), Files.write(tmp.resolve("model.plan"), f.planBytes()),
                Files.write(tmp.resolve("eval.keys"), f.keyBytes()));
    }

    @Test
    void theOperatorsCommandLineWritesTheResultsAndSaysWhatIsWrong() throws IOException {
        Job j = job();
        EncryptedInferenceTest.Fixture f = j.fixture();
        Path in = j.in();
        Path plan = j.plan();
        Path keys = j.keys();
        Path out = tmp.resolve("out");

        Run ok = run("--plan", plan.toString(), "--evaluation-keys", keys.toString(), "--input", in.toString(), "--output",
                out.toString(), "--partitions", "2");
        assertEquals(0, ok.code(), ok.err());
        EncryptedInferenceTest.assertExact(f, out);

        Run usage = run("--plan", plan.toString(), "--evaluation-keys", keys.toString(), "--input", in.toString());
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("--output"), usage.err());

        // the output of a run is not the output of the next: refused, and named
        Run again = run("--plan", plan.toString(), "--evaluation-keys", keys.toString(), "--input", in.toString(), "--output",
                out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("not empty"), again.err());

        Run noPlan = run("--plan", tmp.resolve("missing.plan").toString(), "--evaluation-keys", keys.toString(), "--input",
                in.toString(), "--output", tmp.resolve("out2").toString());
        assertEquals(1, noPlan.code());
        assertTrue(noPlan.err().contains("--plan") && noPlan.err().contains("missing.plan"), noPlan.err());
    }

    @Test
    void withoutSparkSubmitTheMasterIsAnOptionAndATaskTakesItsCpus() throws IOException {
        Job j = job();
        Path out = tmp.resolve("out");
        // no spark-submit: the master comes from --master; spark.task.cpus (here a system property, as
        // -Dspark.task.cpus=2 or spark-submit --conf would set it) gives each task a pool of two threads
        System.clearProperty("spark.master");
        System.setProperty("spark.task.cpus", "2");
        try {
            Run ok = run("--master", "local[2]", "--plan", j.plan().toString(), "--evaluation-keys", j.keys().toString(),
                    "--input", j.in().toString(), "--output", out.toString());
            assertEquals(0, ok.code(), ok.err());
            assertTrue(ok.out().contains("5 files in 5 partitions, 2 threads a task"), ok.out());
            EncryptedInferenceTest.assertExact(j.fixture(), out);
        } finally {
            System.clearProperty("spark.task.cpus");
        }
    }
}
