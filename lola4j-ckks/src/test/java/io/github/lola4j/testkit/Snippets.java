package io.github.lola4j.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a documented Java snippet and the test that runs it the same text, so that the snippet
 * cannot rot: the test marks the lines it runs with {@code // snippet NAME} and
 * {@code // end snippet}, and {@link #assertDocumented} fails unless a document holds exactly those
 * lines (indentation aside) as consecutive lines.
 */
public final class Snippets {

    private Snippets() {
    }

    /**
     * The lines of a source file between {@code // snippet NAME} and the next {@code // end snippet},
     * without their common indentation.
     *
     * @param source a source file (paths are relative to the checkout's root, where tests run)
     * @param name   the snippet's name
     * @return the lines, at least one
     * @throws IOException when the file cannot be read
     */
    public static List<String> extract(Path source, String name) throws IOException {
        List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("// snippet " + name)) {
                start = i + 1;
                break;
            }
        }
        if (start < 0) {
            fail(source + " has no line '// snippet " + name + "'");
        }
        List<String> out = new ArrayList<>();
        for (int i = start; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("// end snippet")) {
                if (out.isEmpty()) {
                    fail("snippet " + name + " in " + source + " is empty");
                }
                return out.stream().map(String::strip).toList();
            }
            out.add(lines.get(i));
        }
        fail("snippet " + name + " in " + source + " has no '// end snippet'");
        return List.of();
    }

    /**
     * Where a region stands in a list of lines, as consecutive lines.
     *
     * @param lines  the lines, stripped
     * @param region the region's lines, stripped
     * @return the index of each occurrence's first line, ascending
     */
    public static List<Integer> occurrences(List<String> lines, List<String> region) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + region.size() <= lines.size(); i++) {
            if (lines.subList(i, i + region.size()).equals(region)) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * Asserts that a document holds the snippet's lines, each stripped of surrounding blanks, as
     * consecutive lines.
     *
     * @param source   the test's source file
     * @param name     the snippet's name
     * @param document the document, e.g. {@code README.md}
     * @throws IOException when a file cannot be read
     */
    public static void assertDocumented(Path source, String name, Path document) throws IOException {
        List<String> snippet = extract(source, name);
        List<String> doc = Files.readAllLines(document, StandardCharsets.UTF_8).stream().map(String::strip).toList();
        assertTrue(!occurrences(doc, snippet).isEmpty(), document + " does not hold snippet " + name + " of " + source + " as run by the test:\n"
                + String.join("\n", snippet));
    }
}
