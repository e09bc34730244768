package io.github.lola4j.cli;

import io.github.lola4j.data.Mnist;
import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The workload the build runs once, under {@code -XX:ArchiveClassesAtExit}, to record the
 * class-data sharing archive the launcher starts the JVM with ({@code target/lola4j.jsa}): the
 * pipeline's steps on lola-small, in one JVM, so that the classes each step loads are archived
 * already parsed and verified. A step process then spends less of its start loading classes
 * (docs/pipeline.md has the figures). Not a command: nothing a user runs.
 */
final class ClassDataTraining {

    private ClassDataTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("lola4j-class-data-");
        try {
            LabeledImages sample = Mnist.embeddedSample();
            StringBuilder csv = new StringBuilder();
            for (int i = 0; i < 2; i++) {
                for (int r = 0; r < sample.rows(); r++) {
                    for (int c = 0; c < sample.cols(); c++) {
                        csv.append(r + c == 0 ? "" : ",").append(sample.pixel(i, r, c));
                    }
                }
                csv.append('\n');
            }
            Path images = Files.writeString(dir.resolve("images.csv"), csv);
            String plan = dir.resolve("model.plan").toString();
            String prepared = dir.resolve("model.prepared").toString();
            String client = dir.resolve("model.client").toString();
            String sk = dir.resolve("secret.key").toString();
            String evk = dir.resolve("eval.keys").toString();
            String x = dir.resolve("x.tensor").toString();
            String y = dir.resolve("y.tensor").toString();
            run("plan", "--model", "lola-small", "--out", plan, "--client-plan", client, "--quiet");
            run("plan", "--model", "lola-small", "--out", prepared, "--prepared", "--quiet");
            run("keygen", "--plan", client, "--secret-key", sk, "--evaluation-keys", evk, "--quiet");
            run("encrypt", "--plan", client, "--secret-key", sk, "--images", images.toString(), "--out", x, "--quiet");
            run("evaluate", "--plan", prepared, "--evaluation-keys", evk, "--in", x, "--out", y, "--quiet");
            run("evaluate", "--plan", plan, "--evaluation-keys", evk, "--in", x, "--out", y, "--quiet");
            run("decrypt", "--plan", client, "--secret-key", sk, "--in", y, "--out", dir.resolve("p.csv").toString(), "--quiet");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** Runs a command, its output discarded; a failure stops the training, saying which step. */
    private static void run(String... args) {
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = Main.run(args, none, new PrintStream(err, true));
        if (code != 0) {
            throw new IllegalStateException("class-data training: lola4j " + String.join(" ", args) + " exited " + code + ": " + err);
        }
    }
}
