package io.github.lola4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.PrecisionStats;
import io.github.lola4j.testkit.Snippets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
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

    /**
     * Every Java block of README.md and docs/ is made of snippet regions that some test runs: each
     * line that is neither blank nor a comment lies in a region (marked {@code // snippet NAME} in a
     * source file of the checkout) that the block holds whole.
     */
    @Test
    void everyJavaBlockOfTheDocumentsIsRunByATest() throws Exception {
        List<List<String>> regions = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> walk = Files.walk(Path.of("."))) {
            sources = walk.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/")).toList();
        }
        for (Path src : sources) {
            for (String line : Files.readAllLines(src, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (t.startsWith("// snippet ")) {
                    regions.add(Snippets.extract(src, t.substring("// snippet ".length())));
                }
            }
        }
        assertTrue(regions.size() >= 9, "snippet regions found: " + regions.size());
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> d = Files.list(Path.of("docs"))) {
            docs.addAll(d.filter(p -> p.toString().endsWith(".md")).sorted().toList());
        }
        int blocks = 0;
        List<String> uncovered = new ArrayList<>();
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).strip().equals("```")) {
                    end++;
                }
                List<String> block = lines.subList(i + 1, end).stream().map(String::strip).toList();
                boolean[] covered = new boolean[block.size()];
                for (List<String> r : regions) {
                    for (int k : Snippets.occurrences(block, r)) {
                        Arrays.fill(covered, k, k + r.size(), true);
                    }
                }
                for (int k = 0; k < block.size(); k++) {
                    String t = block.get(k);
                    if (!covered[k] && !t.isEmpty() && !t.startsWith("//")) {
                        uncovered.add(doc + ":" + (i + 2 + k) + ": " + t);
                    }
                }
                blocks++;
                i = end;
            }
        }
        assertTrue(blocks >= 8, "Java blocks found: " + blocks);
        assertEquals(List.of(), uncovered, "documented Java lines that no test runs");
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
