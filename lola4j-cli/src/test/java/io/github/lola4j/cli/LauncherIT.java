package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher the build writes beside the jar (lola4j-cli/target/lola4j), run as a user runs it:
 * a new process, no flags, no environment of ours.
 */
class LauncherIT {

    private static final Path LAUNCHER = Path.of(System.getProperty("lola4j.launcher.path", "lola4j-cli/target/lola4j"));

    private record Run(int code, String out, String err) {
    }

    private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("LOLA4J_HEAP");
        pb.environment().remove("LOLA4J_JAVA_OPTS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the launcher did not finish in 5 minutes");
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The README's main command, through the launcher: the demo classifies 5 images, all as the plaintext network does. */
    @Test
    void runsTheDemoWithNoFlags() throws Exception {
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " is not an executable file");
        Run r = run(List.of(LAUNCHER.toString(), "demo"), Map.of());
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.out.contains("5 / 5 encrypted predictions equal the plaintext network's"), r.out);
        // the launcher added the vector module (whether the hardware's vectors are wide enough is another matter)
        assertTrue(r.out.contains("NTT kernels: ") && !r.out.contains("--add-modules"), r.out);
    }

    /** The heap: 75 % of the machine by default, LOLA4J_HEAP when set, and a -Xmx of the user's wins. */
    @Test
    void sizesTheHeap() throws Exception {
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long byDefault = maxHeap(Map.of());
        assertTrue(byDefault > 0.6 * physical && byDefault <= 0.76 * physical, byDefault + " of " + physical);
        assertEquals(3L << 30, maxHeap(Map.of("LOLA4J_HEAP", "3g")), 64L << 20);
        assertEquals(2L << 30, maxHeap(Map.of("LOLA4J_JAVA_OPTS", "-Xmx2g")), 64L << 20);
    }

    private static long maxHeap(Map<String, String> env) throws Exception {
        Run r = run(List.of(LAUNCHER.toString(), "--version", "--verbose"), env);
        assertEquals(0, r.code, r.out + r.err);
        String line = r.out.lines().filter(l -> l.startsWith("max heap ")).findFirst().orElseThrow(() -> new AssertionError(r.out));
        return Long.parseLong(line.substring("max heap ".length()).replace(" bytes", "").trim());
    }

    /**
     * The class-data archive the build recorded beside the jar: the launcher's JVM loads lola4j's
     * classes from it, and with LOLA4J_CDS=off from the jar; either way the command works and no
     * CDS message reaches the user, even when the archive does not fit (a rebuilt jar, say).
     */
    @Test
    void startsWithTheClassDataArchive() throws Exception {
        Path jsa = LAUNCHER.resolveSibling("lola4j.jsa");
        assertTrue(Files.isRegularFile(jsa) && Files.size(jsa) > 1 << 20, jsa + " was not recorded by the build");
        String log = "-Xlog:class+load=info";
        Run with = run(List.of(LAUNCHER.toString(), "--version"), Map.of("LOLA4J_JAVA_OPTS", log));
        assertEquals(0, with.code, with.out + with.err);
        long shared = with.out.lines().filter(l -> l.contains("io.github.lola4j.") && l.contains("shared objects file")).count();
        assertTrue(shared > 10, "lola4j classes from the archive: " + shared);
        Run without = run(List.of(LAUNCHER.toString(), "--version"), Map.of("LOLA4J_JAVA_OPTS", log, "LOLA4J_CDS", "off"));
        assertEquals(0, without.code, without.out + without.err);
        assertTrue(without.out.lines().noneMatch(l -> l.contains("io.github.lola4j.") && l.contains("shared objects file (top)")),
                "LOLA4J_CDS=off still used the archive");
        Run quiet = run(List.of(LAUNCHER.toString(), "--version"), Map.of());
        assertTrue(!quiet.err.contains("cds") && !quiet.out.contains("cds"), quiet.out + quiet.err);
    }

    /** Followed through a symbolic link (~/bin/lola4j), it still finds the jar. */
    @Test
    void worksThroughASymbolicLink(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("lola4j"), LAUNCHER.toAbsolutePath());
        Run r = run(List.of(link.toString(), "--version"), Map.of());
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.out.startsWith("lola4j "), r.out);
    }

    /**
     * On a terminal the JVM's incubator warning is dropped and the exit code is the program's.
     * script(1) gives the launcher a terminal; without it the case cannot be run.
     */
    @Test
    void onATerminalTheIncubatorWarningIsDropped() throws Exception {
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script), "script(1) is not installed");
        Run ok = run(List.of(script.toString(), "-qec", LAUNCHER.toAbsolutePath() + " --version", "/dev/null"), Map.of());
        assertEquals(0, ok.code, ok.out + ok.err);
        assertTrue(ok.out.contains("lola4j ") && !ok.out.contains("WARNING: Using incubator modules"), ok.out);
        // progress bars on a terminal (the compile's phases, key generation), none with --quiet
        String plan = LAUNCHER.toAbsolutePath() + " infer --model lola-small --ring-degree 8192 --count 3 --warmup 1";
        Run bars = run(List.of(script.toString(), "-qec", plan, "/dev/null"), Map.of());
        assertEquals(0, bars.code, bars.out + bars.err);
        assertTrue(bars.out.contains("searching plans") && bars.out.contains("generating keys 100%")
                && bars.out.contains("classifying 100%") && bars.out.contains("agreement 3 / 3"), bars.out);
        Run quiet = run(List.of(script.toString(), "-qec", plan + " --quiet", "/dev/null"), Map.of());
        assertEquals(0, quiet.code, quiet.out + quiet.err);
        assertTrue(quiet.out.contains("agreement 3 / 3") && !quiet.out.contains("searching plans")
                && !quiet.out.contains("generating keys"), quiet.out);
        Run bad = run(List.of(script.toString(), "-qec", LAUNCHER.toAbsolutePath() + " deom", "/dev/null"), Map.of());
        assertEquals(2, bad.code, bad.out + bad.err);
        assertTrue(bad.out.contains("did you mean demo?") && !bad.out.contains("WARNING: Using incubator"), bad.out);
    }
}
