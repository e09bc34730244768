package io.github.lola4j.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The aggregate's jars as JPMS modules: each lola4j module exports only its API packages, and the
 * whole program (every module, Jetty, Jackson, the shipped weights as module resources, the vector
 * kernels' run-time read edge) starts and passes {@code selftest} on the module path.
 */
class ModulePathTest {

    /** lola4j's module names and the packages each exports, unqualified; cli exports nothing. */
    private static final Map<String, Set<String>> API = Map.of(
            "io.github.lola4j.format", Set.of("io.github.lola4j.format"),
            "io.github.lola4j.ckks", Set.of("io.github.lola4j.ckks", "io.github.lola4j.math", "io.github.lola4j.ring"),
            "io.github.lola4j.nn", Set.of("io.github.lola4j.nn"),
            "io.github.lola4j.data", Set.of("io.github.lola4j.data"),
            "io.github.lola4j.models", Set.of("io.github.lola4j.models"),
            "io.github.lola4j.lola", Set.of("io.github.lola4j.lola"),
            "io.github.lola4j.onnx", Set.of("io.github.lola4j.onnx"),
            "io.github.lola4j.service", Set.of("io.github.lola4j.service"),
            "io.github.lola4j.cli", Set.of());

    /** The main (not test) jars and class folders of this test's class path. */
    private static List<Path> mainArtifacts() {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            boolean test = name.equals("test-classes") || name.endsWith("-tests.jar")
                    || e.contains("junit") || e.contains("opentest4j") || e.contains("apiguardian")
                    || e.contains("surefire");
            if (!test && Files.exists(Path.of(e))) {
                out.add(Path.of(e));
            }
        }
        return out;
    }

    @Test
    void everyModuleExportsExactlyItsApi() {
        Map<String, Set<String>> found = new TreeMap<>();
        for (ModuleReference m : ModuleFinder.of(mainArtifacts().toArray(Path[]::new)).findAll()) {
            ModuleDescriptor d = m.descriptor();
            if (!d.name().startsWith("io.github.lola4j.")) {
                continue;
            }
            assertTrue(!d.isAutomatic(), d.name() + " has no module descriptor");
            Set<String> exported = new TreeSet<>();
            for (ModuleDescriptor.Exports x : d.exports()) {
                assertTrue(!x.isQualified(), d.name() + " exports " + x.source() + " to named modules only");
                exported.add(x.source());
            }
            found.put(d.name(), exported);
        }
        assertEquals(new TreeMap<>(API), found);
    }

    /** Runs the command line on the module path and returns its output, after checking it exited with 0. */
    private static String runOnModulePath(String... args) throws Exception {
        String modulePath = String.join(File.pathSeparator, mainArtifacts().stream().map(Path::toString).toList());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath, "--add-modules", "jdk.incubator.vector",
                "-m", "io.github.lola4j.cli/io.github.lola4j.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", args) + " did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    @Test
    void theProgramRunsOnTheModulePath() throws Exception {
        String selftest = runOnModulePath("selftest", "--json");
        assertTrue(selftest.contains("{\"checks\":9,\"failed\":0,"), selftest);
        // the shipped weights are resources of the models module; the plan report is JSON through Jackson
        String plan = runOnModulePath("plan", "--model", "lola-small", "--json");
        assertTrue(plan.contains("{\"model\":\"lola-small\",\"input_shape\":\"1x28x28\",\"outputs\":10,"), plan);
    }
}
