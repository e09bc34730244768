package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocatorTest {

    @TempDir
    Path tmp;

    private Path flagDir;
    private Path envDir;
    private Path home;
    private Path cacheDir;

    @BeforeEach
    void setUp() throws IOException {
        flagDir = tmp.resolve("flag");
        envDir = tmp.resolve("env");
        home = tmp.resolve("home");
        cacheDir = home.resolve(".cache/lola4j/mnist");
        TestData.writeFakeDataset(flagDir, 2, 1);
        TestData.writeFakeDataset(envDir, 2, 2);
        TestData.writeFakeDataset(cacheDir, 2, 3);
    }

    private DataLocator.Builder locator(Path flag, String env) {
        Map<String, String> vars = env == null ? Map.of() : Map.of(DataLocator.ENV_VARIABLE, env);
        return DataLocator.builder(Dataset.MNIST).dataDirectory(flag).environment(vars::get).homeDirectory(home)
                // an unroutable mirror, should a test reach the download by mistake
                .mirrors(List.of(URI.create("http://127.0.0.1:9/"))).timeout(Duration.ofSeconds(2));
    }

    @Test
    void flagWinsOverEnvironmentAndCache() throws IOException {
        DataLocator.Location l = locator(flagDir, envDir.toString()).build().locate();
        assertEquals(flagDir, l.directory());
        assertEquals(DataLocator.Origin.EXPLICIT, l.origin());
        // The data really is the flag folder's (marker 1: first label (0+1)%10 = 1).
        assertEquals(1, locator(flagDir, envDir.toString()).build().loadTestSet().label(0));
    }

    @Test
    void environmentWinsOverCache() throws IOException {
        DataLocator.Location l = locator(null, envDir.toString()).build().locate();
        assertEquals(envDir, l.directory());
        assertEquals(DataLocator.Origin.ENVIRONMENT, l.origin());
        assertEquals(2, locator(null, envDir.toString()).build().load().test().label(0));
    }

    @Test
    void cacheIsTheLastLocalSource() throws IOException {
        DataLocator.Location l = locator(null, null).build().locate();
        assertEquals(cacheDir, l.directory());
        assertEquals(DataLocator.Origin.CACHE, l.origin());
        assertEquals(cacheDir, locator(null, "  ").build().locate().directory(), "a blank variable counts as unset");
    }

    @Test
    void explicitFolderMayHoldAMnistSubfolder() throws IOException {
        Path parent = tmp.resolve("parent");
        TestData.writeFakeDataset(parent.resolve("mnist"), 2, 4);
        assertEquals(parent.resolve("mnist"), locator(parent, null).build().locate().directory());
        assertEquals(parent.resolve("mnist"), locator(null, parent.toString()).build().locate().directory());
    }

    @Test
    void realFolderLayoutWorks() throws IOException {
        // ../shared/data holds mnist/ and fashion-mnist/ subfolders.
        Path shared = TestData.MNIST.getParent();
        assertEquals(shared.resolve("mnist"), locator(shared, null).build().locate().directory());
        Path fashion = DataLocator.builder(Dataset.FASHION_MNIST).dataDirectory(shared).build().locate().directory();
        assertEquals(shared.resolve("fashion-mnist"), fashion);
    }

    @Test
    void incompleteExplicitFolderIsAnErrorNotAFallThrough() throws IOException {
        Files.delete(flagDir.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> locator(flagDir, envDir.toString()).build().locate());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("--data " + flagDir + ": no complete MNIST data set there.", lines.get(0));
        assertEquals("Looked in:", lines.get(1));
        // each folder looked in on its own line, with what it lacks
        assertTrue(lines.get(2).matches(" {2}" + java.util.regex.Pattern.quote(flagDir.toString())
                + " +missing t10k-labels-idx1-ubyte\\[\\.gz]"), lines.get(2));
        assertTrue(lines.get(3).matches(" {2}" + java.util.regex.Pattern.quote(flagDir.resolve("mnist").toString())
                + " +\\(no such folder\\)"), lines.get(3));
        assertEquals("Needed: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,"
                + " t10k-labels-idx1-ubyte (each gzipped or not).", lines.get(4));
        assertEquals("Put them in a folder and pass --data DIR or set LOLA4J_DATA=DIR,", lines.get(5));
        assertEquals("or copy them into " + cacheDir + ".", lines.get(6));
        assertEquals("They are on http://127.0.0.1:9/ (as FILE.gz).", lines.get(7));
        assertEquals(8, lines.size(), e.getMessage());
    }

    @Test
    void wrongEnvironmentFolderIsNamed() {
        Path nowhere = tmp.resolve("nowhere");
        IOException e = assertThrows(IOException.class, () -> locator(null, nowhere.toString()).build().locate());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(DataLocator.ENV_VARIABLE + "=" + nowhere + ": no such folder.", lines.get(0));
        assertTrue(lines.get(1).startsWith("Needed: train-images-idx3-ubyte,"), e.getMessage());
        assertEquals(5, lines.size(), e.getMessage());
    }

    @Test
    void missingEverywhereWithoutDownloadSaysWhereItLookedAndWhatToDo() throws IOException {
        Path emptyHome = tmp.resolve("empty-home");
        IOException e = assertThrows(IOException.class, () -> locator(null, null).homeDirectory(emptyHome).download(false)
                .build().locate());
        Path cache = emptyHome.resolve(".cache/lola4j/mnist");
        assertEquals(List.of(
                "MNIST not found.",
                "Looked in:",
                "  --data       not given",
                "  LOLA4J_DATA  not set",
                "  cache        " + cache + " (no such folder)",
                "  download     disabled",
                "Needed: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"
                        + " (each gzipped or not).",
                "Put them in a folder and pass --data DIR or set LOLA4J_DATA=DIR,",
                "or copy them into " + cache + ".",
                "They are on http://127.0.0.1:9/ (as FILE.gz)."), e.getMessage().lines().toList());
        assertTrue(locator(null, null).homeDirectory(emptyHome).build().locateLocally().isEmpty());
    }

    @Test
    void theRealMirrorsAreNamedInTheMessage() {
        Path emptyHome = tmp.resolve("empty-home");
        IOException e = assertThrows(IOException.class, () -> DataLocator.builder(Dataset.CIFAR10).environment(k -> null)
                .homeDirectory(emptyHome).download(false).testSetOnly().build().locate());
        String m = e.getMessage();
        assertTrue(m.startsWith("CIFAR-10 test set not found.\n"), m);
        assertTrue(m.contains("\nNeeded: test_batch.bin (gzipped or not).\nPut it in a folder"), m);
        assertTrue(m.endsWith("\nThey are inside cifar-10-binary.tar.gz on https://www.cs.toronto.edu/~kriz/."), m);
        IOException mnist = assertThrows(IOException.class, () -> DataLocator.builder(Dataset.MNIST).environment(k -> null)
                .homeDirectory(emptyHome).download(false).build().locate());
        assertTrue(mnist.getMessage().endsWith("\nThey are on https://storage.googleapis.com/cvdf-datasets/mnist/ and"
                + " https://ossci-datasets.s3.amazonaws.com/mnist/ (as FILE.gz)."), mnist.getMessage());
    }

    @Test
    void incompleteCacheListsWhatItLacks() throws IOException {
        Files.delete(cacheDir.resolve("train-images-idx3-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> locator(null, null).download(false).build().locate());
        assertTrue(e.getMessage().lines().anyMatch(
                l -> l.equals("  cache        " + cacheDir + ": missing train-images-idx3-ubyte[.gz]")), e.getMessage());
    }

    @Test
    void offlineDownloadFailureNamesEachMirrorOnItsOwnLine() {
        Path emptyHome = tmp.resolve("offline-home");
        IOException e = assertThrows(IOException.class, () -> locator(null, null).homeDirectory(emptyHome)
                .mirrors(List.of(URI.create("http://127.0.0.1:9/"), URI.create("http://127.0.0.1:9/other/"))).build()
                .locate());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("MNIST not found.", lines.get(0));
        // the failed download made the cache folder, empty
        assertEquals("  cache        " + emptyHome.resolve(".cache/lola4j/mnist") + " (none of the needed files)", lines.get(4));
        assertEquals("  download     failed: could not download train-images-idx3-ubyte.gz:", lines.get(5));
        assertTrue(lines.get(6).startsWith("                 http://127.0.0.1:9/train-images-idx3-ubyte.gz: "), lines.get(6));
        assertTrue(lines.get(7).startsWith("                 http://127.0.0.1:9/other/train-images-idx3-ubyte.gz: "),
                lines.get(7));
        assertEquals("or copy them into " + emptyHome.resolve(".cache/lola4j/mnist") + ".", lines.get(10));
        for (String l : lines) {
            assertTrue(l.length() < 140, "a short line: " + l);
        }
    }

    @Test
    void testSetOnlyAcceptsEachSourceHoldingJustTheTestFiles() throws IOException {
        Path flag = tmp.resolve("t10k-flag");
        Path env = tmp.resolve("t10k-env");
        Path parent = tmp.resolve("t10k-parent");
        Path testHome = tmp.resolve("t10k-home");
        TestData.writeFakeTestSet(flag, 3, 5);
        TestData.writeFakeTestSet(env, 3, 6);
        TestData.writeFakeTestSet(parent.resolve("mnist"), 3, 7);
        TestData.writeFakeTestSet(testHome.resolve(".cache/lola4j/mnist"), 3, 8);

        DataLocator explicit = locator(flag, env.toString()).testSetOnly().build();
        assertEquals(new DataLocator.Location(flag, DataLocator.Origin.EXPLICIT), explicit.locate());
        assertEquals(5, explicit.loadTestSet().label(0));
        assertEquals(3, explicit.loadTestSet().count());
        assertEquals(new DataLocator.Location(env, DataLocator.Origin.ENVIRONMENT),
                locator(null, env.toString()).testSetOnly().build().locate());
        assertEquals(parent.resolve("mnist"), locator(parent, null).testSetOnly().build().locate().directory());
        DataLocator cached = locator(null, null).homeDirectory(testHome).download(false).testSetOnly().build();
        assertEquals(DataLocator.Origin.CACHE, cached.locate().origin());
        assertEquals(8, cached.loadTestSet().label(0));
        assertEquals(List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), cached.requiredFiles());
    }

    @Test
    void trainingStillNeedsTheWholeSet() throws IOException {
        Path flag = tmp.resolve("t10k-only");
        TestData.writeFakeTestSet(flag, 2, 1);
        IOException e = assertThrows(IOException.class, () -> locator(flag, null).build().locate());
        assertTrue(e.getMessage().startsWith("--data " + flag + ": no complete MNIST data set there.\n"), e.getMessage());
        assertTrue(e.getMessage().contains("missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]"),
                e.getMessage());
        // a cache holding only the test set is incomplete for training: not found, not a half set
        Path testHome = tmp.resolve("t10k-home");
        TestData.writeFakeTestSet(testHome.resolve(".cache/lola4j/mnist"), 2, 1);
        assertTrue(locator(null, null).homeDirectory(testHome).build().locateLocally().isEmpty());
        assertEquals(Dataset.FILES, locator(null, null).build().requiredFiles());

        DataLocator testOnly = locator(flag, null).testSetOnly().build();
        IllegalStateException s = assertThrows(IllegalStateException.class, testOnly::load);
        assertTrue(s.getMessage().contains("testSetOnly()") && s.getMessage().contains("loadTestSet()"), s.getMessage());
    }

    @Test
    void testSetOnlyStillRefusesAnExplicitFolderWithoutTheTestFiles() throws IOException {
        Files.delete(flagDir.resolve("t10k-images-idx3-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> locator(flagDir, envDir.toString()).testSetOnly().build()
                .locate());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("--data " + flagDir + ": no MNIST test set there.", lines.get(0));
        assertTrue(lines.get(2).endsWith(" missing t10k-images-idx3-ubyte[.gz]"), lines.get(2));
        assertEquals("Needed: t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each gzipped or not).", lines.get(4));

        Path emptyHome = tmp.resolve("empty-home");
        IOException none = assertThrows(IOException.class, () -> locator(null, null).homeDirectory(emptyHome)
                .download(false).testSetOnly().build().locate());
        assertEquals("MNIST test set not found.", none.getMessage().lines().findFirst().orElseThrow());
    }

    @Test
    void testFilesAreTheLastOfEachDataSet() {
        assertEquals(List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), Dataset.MNIST.testFiles());
        assertEquals(List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), Dataset.FASHION_MNIST.testFiles());
        assertEquals(List.of("test_batch.bin"), Dataset.CIFAR10.testFiles());
    }
}
