package io.github.lola4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering inside {@code lola4j-ckks}: {@code math -> ring -> ckks} only point down. Between
 * modules the build enforces the layering (a module cannot import what it does not depend on);
 * inside one module this test does, reading the import lines of every main source file.
 */
class ArchitectureTest {

    private static final Path ROOT = Path.of("lola4j-ckks/src/main/java/io/github/lola4j");
    private static final Pattern IMPORT =
            Pattern.compile("^\\s*import\\s+(?:static\\s+)?io\\.github\\.lola4j\\.([a-z]+)[.;]", Pattern.MULTILINE);

    /** For each package, the lola4j packages it must not import. */
    private static final Map<String, Set<String>> FORBIDDEN = Map.of(
            "math", Set.of("ring", "ckks"),
            "ring", Set.of("ckks"));

    @Test
    void packagesOnlyImportDownwards() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (Map.Entry<String, Set<String>> e : FORBIDDEN.entrySet()) {
            Path dir = ROOT.resolve(e.getKey());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> sources;
            try (Stream<Path> s = Files.walk(dir)) {
                sources = s.filter(p -> p.toString().endsWith(".java")).toList();
            }
            for (Path p : sources) {
                files++;
                violations.addAll(check(p, e.getKey(), e.getValue()));
            }
        }
        assertTrue(files > 0, "no source files found under " + ROOT.toAbsolutePath());
        assertEquals(List.of(), violations);
    }

    @Test
    void checkerDetectsAnUpwardImport() throws IOException {
        Path tmp = Files.createTempFile("Fake", ".java");
        try {
            Files.writeString(tmp, "package io.github.lola4j.math;\nimport io.github.lola4j.ckks.Ciphertext;\n"
                    + "import static io.github.lola4j.ring.RnsPoly.foo;\nimport java.util.List;\n");
            List<String> v = check(tmp, "math", FORBIDDEN.get("math"));
            assertEquals(2, v.size(), v.toString());
        } finally {
            Files.delete(tmp);
        }
    }

    private static List<String> check(Path file, String pkg, Set<String> forbidden) throws IOException {
        List<String> out = new ArrayList<>();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = IMPORT.matcher(text);
        while (m.find()) {
            if (forbidden.contains(m.group(1))) {
                out.add(file + ": package " + pkg + " imports " + m.group(1));
            }
        }
        return out;
    }
}
