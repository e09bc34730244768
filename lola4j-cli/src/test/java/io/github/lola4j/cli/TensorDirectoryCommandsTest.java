package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory form of the pipeline, for a job that takes one file per record (docs/spark.md):
 * {@code encrypt --out-dir} writes one tensor a file, and {@code decrypt --in-dir} reads the
 * results of the same names back, in input order, refusing a missing or an extra file by name.
 */
class TensorDirectoryCommandsTest {

    @TempDir
    Path dir;

    @Test
    void oneTensorAFileThereAndBackGivesTheSingleFileResults() throws Exception {
        Path plan = dir.resolve("lola-small.plan");
        Path sk = dir.resolve("secret.key");
        Path evk = dir.resolve("eval.keys");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", "lola-small", "--out", plan.toString());
        assertEquals(0, p.code(), p.err());
        CliTestSupport.Run k = CliTestSupport.run("keygen", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--evaluation-keys", evk.toString());
        assertEquals(0, k.code(), k.err());
        Path inputs = dir.resolve("inputs");
        CliTestSupport.Run e = CliTestSupport.run("encrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--images", CliTestSupport.MNIST + "/t10k-images-idx3-ubyte.gz", "--count", "3", "--out-dir", inputs.toString());
        assertEquals(0, e.code(), e.err());
        List<String> names = List.of("00000-of-00003.tensor", "00001-of-00003.tensor", "00002-of-00003.tensor");
        assertEquals(names, list(inputs), "one file a tensor, nothing else");
        CliTestSupport.Run again = CliTestSupport.run("encrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--images", CliTestSupport.MNIST + "/t10k-images-idx3-ubyte.gz", "--count", "1", "--out-dir", inputs.toString());
        assertEquals(3, again.code(), "another run's tensors are not mixed in: " + again.err());

        // the job's part, file by file: evaluate each into a file of the same name
        Path results = Files.createDirectory(dir.resolve("results"));
        for (String n : names) {
            CliTestSupport.Run v = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                    "--in", inputs.resolve(n).toString(), "--out", results.resolve(n).toString());
            assertEquals(0, v.code(), v.err());
        }
        // the same images through the single-file pipeline: the same predictions and scores
        Path x = dir.resolve("x.tensor");
        Path y = dir.resolve("y.tensor");
        assertEquals(0, CliTestSupport.run("encrypt", "--plan", plan.toString(), "--secret-key", sk.toString(), "--images",
                CliTestSupport.MNIST + "/t10k-images-idx3-ubyte.gz", "--count", "3", "--out", x.toString()).code());
        assertEquals(0, CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(), "--in",
                x.toString(), "--out", y.toString()).code());
        CliTestSupport.Run single = CliTestSupport.run("decrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--in", y.toString());
        CliTestSupport.Run fromDir = CliTestSupport.run("decrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--in-dir", results.toString());
        assertEquals(0, fromDir.code(), fromDir.err());
        assertEquals(4, fromDir.out().lines().count(), fromDir.out());
        // fresh encryptions differ in their noise: the predictions agree, the scores to the plan's precision
        assertEquals(predictions(single.out()), predictions(fromDir.out()));

        // a missing file is named, the last one included
        Files.move(results.resolve(names.get(2)), dir.resolve("aside.tensor"));
        CliTestSupport.Run missing = CliTestSupport.run("decrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--in-dir", results.toString());
        assertEquals(3, missing.code(), missing.err());
        assertTrue(missing.err().contains(names.get(2)) && missing.err().contains("missing"), missing.err());
        Files.move(dir.resolve("aside.tensor"), results.resolve(names.get(2)));
        // so is a file that does not belong
        Files.copy(results.resolve(names.get(0)), results.resolve("copy of 00000-of-00003.tensor"));
        CliTestSupport.Run extra = CliTestSupport.run("decrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--in-dir", results.toString());
        assertEquals(3, extra.code(), extra.err());
        assertTrue(extra.err().contains("copy of 00000-of-00003.tensor") && extra.err().contains("extra"), extra.err());
        // and both forms at once are a usage error
        CliTestSupport.Run both = CliTestSupport.run("decrypt", "--plan", plan.toString(), "--secret-key", sk.toString(),
                "--in-dir", results.toString(), "--in", y.toString());
        assertEquals(2, both.code(), both.err());
    }

    private static List<String> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** The index and prediction columns of decrypt's CSV. */
    private static List<String> predictions(String csv) {
        return csv.lines().map(l -> l.split(",")[0] + "," + l.split(",")[1]).toList();
    }
}
