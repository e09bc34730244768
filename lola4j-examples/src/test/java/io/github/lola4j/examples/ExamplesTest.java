package io.github.lola4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.PrecisionStats;
import io.github.lola4j.testkit.Snippets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example runs and gets the right answer, and the documents still hold its snippets word for word. */
class ExamplesTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream print = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private static Path source(Class<?> example) {
        return Path.of("lola4j-examples/src/main/java/io/github/lola4j/examples/" + example.getSimpleName() + ".java");
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void e01CkksBasics() throws Exception {
        PrecisionStats stats = E01CkksBasics.run(print);
        // scale 2^40, one product and a rotation: errors near 2^-25 (docs/ckks.md)
        assertTrue(stats.maxLog2Error() < -20, printed());
        assertTrue(printed().contains("decrypts within 2^-"), printed());
        Snippets.assertDocumented(source(E01CkksBasics.class), "ckks-basics", Path.of("docs/ckks.md"));
    }

    @Test
    void e02Serialization() throws Exception {
        double worst = E02Serialization.run(tmp.resolve("secret.key"), print);
        assertTrue(worst < 1e-4, printed());
        Snippets.assertDocumented(source(E02Serialization.class), "serialization-client", Path.of("docs/ckks-serialization.md"));
        Snippets.assertDocumented(source(E02Serialization.class), "serialization-server", Path.of("docs/ckks-serialization.md"));
    }

    @Test
    void e03EncryptedMnist() throws Exception {
        double worst = E03EncryptedMnist.run(print);
        assertTrue(worst < 0.02, printed()); // lola's scores err by about 0.004 (docs/lola.md)
        Snippets.assertDocumented(source(E03EncryptedMnist.class), "encrypted-mnist", Path.of("docs/lola.md"));
    }

    @Test
    void e04YourOwnNetwork() throws Exception {
        double worst = E04YourOwnNetwork.run(print);
        assertTrue(worst < 1e-2, "relative error " + worst + "\n" + printed());
        Snippets.assertDocumented(source(E04YourOwnNetwork.class), "own-network", Path.of("docs/lola.md"));
    }

    @Test
    void e05ModelFiles() throws Exception {
        int label = E05ModelFiles.run(Path.of("../shared/data"), print);
        assertEquals(7, label, printed()); // the first MNIST test image is a 7, and lola gets it right
        Snippets.assertDocumented(source(E05ModelFiles.class), "model-files", Path.of("docs/models.md"));
    }
}
