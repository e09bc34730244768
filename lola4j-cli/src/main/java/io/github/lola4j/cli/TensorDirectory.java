package io.github.lola4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of tensor files, one tensor per file: what {@code encrypt --out-dir} writes for a
 * job that takes one file per record (the Spark job, docs/spark.md), and what {@code decrypt
 * --in-dir} reads back from the results it writes under the same names.
 *
 * <p>The names carry both the position and the count, {@code 00003-of-00010.tensor}, zero-padded
 * so that name order is input order: the results' directory alone says which file is missing,
 * even the last one, and which does not belong.
 */
final class TensorDirectory {

    private static final Pattern NAME = Pattern.compile("(\\d+)-of-(\\d+)\\.tensor");

    private TensorDirectory() {
    }

    /** The name of the {@code i}-th of {@code n} tensors (counting from 0). */
    static String name(int i, int n) {
        int width = Math.max(5, Integer.toString(n).length());
        return String.format(Locale.ROOT, "%0" + width + "d-of-%0" + width + "d.tensor", i, n);
    }

    /**
     * Creates the directory, or accepts an existing empty one: another run's tensors beside these
     * would be read as records of this one.
     */
    static void create(Path dir, String option) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + ": not a folder (" + option + ")");
            }
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(dir + ": not empty; " + option + " names a folder this command fills (give a new"
                            + " or an empty one)");
                }
            }
        } else {
            Files.createDirectories(dir);
        }
    }

    /**
     * The tensor files of a directory in order, refusing a directory with a missing file or one
     * that does not belong (each named). Hidden files (names starting with {@code .} or {@code _},
     * as Hadoop's) are not looked at.
     */
    static List<Path> list(Path dir, String option) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a folder (" + option + ")");
        }
        TreeMap<Integer, Path> found = new TreeMap<>();
        int n = -1;
        String first = null;
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        for (String name : names) {
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            Matcher m = NAME.matcher(name);
            if (!m.matches() || m.group(1).length() > 9 || m.group(2).length() > 9
                    || !name.equals(name(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                    || Integer.parseInt(m.group(1)) >= Integer.parseInt(m.group(2))) {
                throw new IOException(dir.resolve(name) + ": an extra file, not one of the tensors encrypt --out-dir names"
                        + " (00000-of-00010.tensor, ...)");
            }
            int total = Integer.parseInt(m.group(2));
            if (n < 0) {
                n = total;
                first = name;
            } else if (total != n) {
                throw new IOException(dir.resolve(name) + ": an extra file: one of " + total + " tensors, where " + first
                        + " is one of " + n);
            }
            found.put(Integer.parseInt(m.group(1)), dir.resolve(name));
        }
        if (n < 0) {
            throw new IOException(dir + ": no tensor files (" + option + ")");
        }
        for (int i = 0; i < n; i++) {
            if (!found.containsKey(i)) {
                throw new IOException(dir.resolve(name(i, n)) + ": missing (" + (n - found.size()) + " of the " + n
                        + " files missing)");
            }
        }
        return new ArrayList<>(found.values());
    }
}
