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
        String m = e.getMessage();
        assertTrue(m.contains("--data " + flagDir) && m.contains("t10k-labels-idx1-ubyte[.gz]")
                && m.contains(DataLocator.ENV_VARIABLE), m);
    }

    @Test
    void wrongEnvironmentFolderIsNamed() {
        Path nowhere = tmp.resolve("nowhere");
        IOException e = assertThrows(IOException.class, () -> locator(null, nowhere.toString()).build().locate());
        assertTrue(e.getMessage().startsWith(DataLocator.ENV_VARIABLE + "=" + nowhere + ": no such folder"), e.getMessage());
    }

    @Test
    void missingEverywhereWithoutDownloadSaysWhereToPutTheFiles() throws IOException {
        Path emptyHome = tmp.resolve("empty-home");
        IOException e = assertThrows(IOException.class, () -> locator(null, null).homeDirectory(emptyHome).download(false)
                .build().locate());
        String m = e.getMessage();
        assertTrue(m.contains("MNIST not found"), m);
        assertTrue(m.contains("--data DIR") && m.contains("LOLA4J_DATA=DIR"), m);
        assertTrue(m.contains(emptyHome.resolve(".cache/lola4j/mnist").toString()), m);
        assertTrue(m.contains("downloads are disabled"), m);
        assertTrue(locator(null, null).homeDirectory(emptyHome).build().locateLocally().isEmpty());
    }

    @Test
    void offlineDownloadFailureSaysWhereToPutTheFiles() {
        Path emptyHome = tmp.resolve("offline-home");
        IOException e = assertThrows(IOException.class, () -> locator(null, null).homeDirectory(emptyHome).build().locate());
        String m = e.getMessage();
        assertTrue(m.contains("download failed") && m.contains("http://127.0.0.1:9/train-images-idx3-ubyte.gz"), m);
        assertTrue(m.contains("LOLA4J_DATA=DIR") && m.contains(".cache/lola4j/mnist"), m);
    }
}
