package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/pipeline.md's script, run as written through the launcher, each step its own JVM: its
 * predictions are the plaintext network's (which infer's agreement also checks), and the secret
 * key file is its owner's only.
 */
class PipelineIT {

    @Test
    void theDocumentedScriptPredictsAsThePlaintextNetwork(@TempDir Path dir) throws Exception {
        String doc = Files.readString(Path.of("docs/pipeline.md"), StandardCharsets.UTF_8);
        int at = doc.indexOf("<!-- pipeline-script -->");
        int start = doc.indexOf("```bash\n", at) + "```bash\n".length();
        String script = doc.substring(start, doc.indexOf("```", start));
        Path launcher = Path.of(System.getProperty("lola4j.launcher.path", "lola4j-cli/target/lola4j")).toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(dir.toFile());
        pb.environment().put("LOLA4J", launcher.toString());
        pb.environment().put("MNIST", Path.of(CliTestSupport.MNIST).toAbsolutePath().toString());
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the pipeline did not finish in 10 minutes");
        assertEquals(0, p.exitValue(), Files.readString(out) + Files.readString(err));

        Network net = ModelRegistry.load("lola-small");
        LabeledImages test = Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST);
        List<String> rows = Files.readAllLines(dir.resolve("predictions.csv"));
        assertEquals(6, rows.size(), rows.toString());
        assertTrue(rows.get(0).startsWith("index,prediction,score_0,"), rows.get(0));
        for (int i = 0; i < 5; i++) {
            String[] f = rows.get(i + 1).split(",");
            double[] plain = net.forward(net.input(test, i));
            assertEquals(i, Integer.parseInt(f[0]));
            assertEquals(net.predict(net.input(test, i)), Integer.parseInt(f[1]), "image " + i);
            for (int c = 0; c < plain.length; c++) {
                assertEquals(plain[c], Double.parseDouble(f[2 + c]), 1e-3, "image " + i + " score " + c);
            }
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("secret.key"))));
    }
}
