package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule inside {@code lola4j-lola}: nothing below the compiler refers back up to it. Only
 * {@code LolaCompiler.java} may use {@code LolaCompiler} in code (Javadoc may name it); options are
 * {@link CompileOptions}, and the helpers the search needs live with the data they read.
 */
class LayeringTest {

    private static final Path SOURCES = Path.of("lola4j-lola/src/main/java/io/github/lola4j/lola");
    /** A use in code: the name followed by a member access, outside comments (removed first). */
    private static final Pattern USE = Pattern.compile("\\bLolaCompiler\\s*\\.\\s*\\w");

    @Test
    void nothingBelowTheCompilerRefersToIt() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(SOURCES)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                if (p.getFileName().toString().equals("LolaCompiler.java")) {
                    continue;
                }
                violations.addAll(uses(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(files > 40, "sources found: " + files);
        assertEquals(List.of(), violations);
    }

    @Test
    void theCheckSeesAUseInCodeButNotInAComment() {
        assertEquals(1, uses("X.java", "/** {@link LolaCompiler#compile} */ class X { int d = LolaCompiler.depth(); }").size());
        assertEquals(0, uses("Y.java", "// LolaCompiler.compile(net, o)\n/* LolaCompiler.x */ class Y { }").size());
    }

    private static List<String> uses(String name, String source) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        List<String> out = new ArrayList<>();
        Matcher m = USE.matcher(code);
        while (m.find()) {
            out.add(name + ": " + m.group());
        }
        return out;
    }
}
