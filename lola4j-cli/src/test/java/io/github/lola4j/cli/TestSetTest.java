package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.nn.LabeledImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test set of eval, infer and the client: a folder holding only MNIST's two test files is
 * enough, and with no data anywhere and no download, the images embedded in the jar stand in.
 */
class TestSetTest {

    @TempDir
    Path tmp;

    /** A folder with only t10k-images and t10k-labels, copied from the real MNIST. */
    private Path testOnly;
    /** A home folder with no cache. */
    private Path emptyHome;
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws IOException {
        testOnly = tmp.resolve("t10k-only");
        Files.createDirectories(testOnly);
        for (String f : Dataset.MNIST.testFiles()) {
            Files.copy(Path.of(CliTestSupport.MNIST).resolve(f + ".gz"), testOnly.resolve(f + ".gz"));
        }
        emptyHome = tmp.resolve("home");
        Files.createDirectories(emptyHome);
    }

    private static Options options(String... args) {
        return Options.parse(args, Set.of("data", "dataset"), Set.of("no-download"));
    }

    /** No environment variable, the empty home, and an unroutable mirror should a download be tried. */
    private static UnaryOperator<DataLocator.Builder> isolated(Path home, Map<String, String> env) {
        return b -> b.environment(env::get).homeDirectory(home).mirrors(List.of(URI.create("http://127.0.0.1:9/")))
                .timeout(Duration.ofSeconds(2));
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFolderHoldingOnlyTheTestFilesIsEnough() throws IOException {
        // the commands' own entry point: --data wins over whatever the machine's environment says
        TestSet set = TestSet.load(options("--data", testOnly.toString(), "--no-download"), "mnist", err);
        assertEquals(10000, set.images().count());
        assertEquals(7, set.images().label(0));
        assertFalse(set.embedded());
        assertEquals(Dataset.MNIST, set.dataset());
        assertEquals(testOnly + " (--data)", set.where());
        assertEquals("", err());
    }

    @Test
    void environmentVariableAndSubfolderWorkToo() throws IOException {
        Path parent = tmp.resolve("parent");
        Files.createDirectories(parent);
        Files.move(testOnly, parent.resolve("mnist"));
        TestSet set = TestSet.load(options("--no-download"), "mnist", err,
                isolated(emptyHome, Map.of(DataLocator.ENV_VARIABLE, parent.toString())));
        assertEquals(10000, set.images().count());
        assertEquals(parent.resolve("mnist") + " (" + DataLocator.ENV_VARIABLE + ")", set.where());
        assertFalse(set.embedded());
    }

    @Test
    void nothingFoundAndDownloadsOffUsesTheEmbeddedSample() throws IOException {
        TestSet set = TestSet.load(options("--no-download"), "mnist", err, isolated(emptyHome, Map.of()));
        assertTrue(set.embedded());
        assertEquals(Mnist.SAMPLE_SIZE, set.images().count());
        assertEquals(7, set.images().label(0));
        // the sample is the real test set's first images
        LabeledImages full = Mnist.loadTestSet(testOnly, Dataset.MNIST);
        assertArrayEquals(full.image(99, 1.0), set.images().image(99, 1.0));
        assertEquals(full.label(99), set.images().label(99));
        assertEquals("the 100 MNIST test images embedded in the jar", set.where());
        assertEquals(List.of("note: MNIST test set not found (downloads off), so the 100 test images embedded in the jar"
                + " are used; for all 10,000 pass --data DIR or set LOLA4J_DATA=DIR"), err().lines().toList());
    }

    @Test
    void aFailedDownloadAlsoFallsBackToTheSample() throws IOException {
        TestSet set = TestSet.load(options(), "mnist", err, isolated(emptyHome, Map.of()));
        assertTrue(set.embedded());
        assertEquals(100, set.images().count());
        List<String> lines = err().lines().filter(l -> l.startsWith("note: ")).toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).startsWith("note: MNIST test set not found (download failed), so the 100 test images"),
                lines.get(0));
    }

    @Test
    void anExplicitFolderWithoutTheTestFilesIsAnErrorNotTheSample() throws IOException {
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        IOException e = assertThrows(IOException.class, () -> TestSet.load(options("--data", empty.toString(),
                "--no-download"), "mnist", err, isolated(emptyHome, Map.of())));
        assertEquals("--data " + empty + ": no MNIST test set there.", e.getMessage().lines().findFirst().orElseThrow());
        assertTrue(e.getMessage().contains("Needed: t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"), e.getMessage());
        assertEquals("", err());
    }

    @Test
    void otherDataSetsHaveNoSampleAndSaySo() {
        for (String id : List.of("cifar10", "fashion-mnist")) {
            IOException e = assertThrows(IOException.class, () -> TestSet.load(options("--dataset", id, "--no-download"),
                    "mnist", err, isolated(emptyHome, Map.of())));
            String name = Dataset.byId(id).displayName();
            List<String> lines = e.getMessage().lines().toList();
            assertEquals(name + " test set not found.", lines.get(0));
            assertTrue(lines.contains("  --data       not given"), e.getMessage());
            assertTrue(e.getMessage().contains("pass --data DIR"), e.getMessage());
        }
        assertEquals("", err());
    }

    @Test
    void evalRunsOnAFolderHoldingOnlyTheTestFiles() throws IOException {
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", "lola-small", "--data", testOnly.toString(),
                "--limit", "50", "--json", "--threads", "1", "--no-download");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> j = MiniJson.parseObject(r.lastLine());
        assertEquals(50.0, j.get("count"));
        assertTrue(r.out().contains("data      " + testOnly + " (--data)"), r.out());
    }
}
