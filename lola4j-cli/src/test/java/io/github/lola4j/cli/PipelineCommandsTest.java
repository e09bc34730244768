package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The step commands in one process: batch plans, text input, and what each refuses. */
class PipelineCommandsTest {

    @TempDir
    static Path dir;
    private static Path plan;
    private static Path client;
    private static Path sk;
    private static Path evk;
    private static Network net;
    private static LabeledImages test;

    @BeforeAll
    static void keys() throws Exception {
        plan = dir.resolve("batch.plan");
        client = dir.resolve("batch.client");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", "lola-small", "--batch", "--ring-degree", "8192", "--out",
                plan.toString(), "--client-plan", client.toString());
        assertEquals(0, p.code(), p.err());
        sk = dir.resolve("secret.key");
        evk = dir.resolve("eval.keys");
        CliTestSupport.Run k = CliTestSupport.run("keygen", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--evaluation-keys", evk.toString());
        assertEquals(0, k.code(), k.err());
        net = ModelRegistry.load("lola-small");
        test = Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST);
    }

    /** A batch plan: pixels as text in [0, 1], one batch partly filled, predictions as the plaintext network's. */
    @Test
    void aBatchOfTextImagesInZeroOneDecryptsToThePlaintextPredictions() throws Exception {
        int n = 7;
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    csv.append(r + c == 0 ? "" : ",").append(test.pixel(i, r, c) / 255.0);
                }
            }
            csv.append('\n');
        }
        Path images = Files.writeString(dir.resolve("pixels.csv"), csv);
        Path x = dir.resolve("x.tensor");
        Path y = dir.resolve("y.tensor");
        Path out = dir.resolve("p.json");
        CliTestSupport.Run e = CliTestSupport.run("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--images",
                images.toString(), "--pixel-range", "1", "--out", x.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("encrypted 7 images") && e.out().contains("into 1 tensor,"), e.out());
        CliTestSupport.Run v = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                "--in", x.toString(), "--out", y.toString());
        assertEquals(0, v.code(), v.err());
        // the tensors record how many images they hold: no count needed, a wrong one refused
        CliTestSupport.Run wrong = CliTestSupport.run("decrypt", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--in", y.toString(), "--count", "8");
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--count 8 but the results hold 7 images"), wrong.err());
        CliTestSupport.Run d = CliTestSupport.run("decrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--in",
                y.toString(), "--out", out.toString());
        assertEquals(0, d.code(), d.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toFile());
        assertEquals("lola-small", json.get("model").asText());
        assertEquals(n, json.get("images").size());
        for (int i = 0; i < n; i++) {
            var row = json.get("images").get(i);
            assertEquals(net.predict(net.input(test, i)), row.get("prediction").asInt(), "image " + i);
            double[] plain = net.forward(net.input(test, i));
            for (int c = 0; c < plain.length; c++) {
                assertEquals(plain[c], row.get("scores").get(c).asDouble(), 1e-3, "image " + i + " score " + c);
            }
        }
    }

    /** plan --prepared: evaluate reads the encodings instead of making them, and answers with the same bytes. */
    @Test
    void aPreparedPlanEvaluatesToTheSameBytes() throws Exception {
        Path prepared = dir.resolve("batch.prepared");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", "lola-small", "--batch", "--ring-degree", "8192", "--out",
                prepared.toString(), "--prepared");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.err().contains("prepared plan written to " + prepared), p.err());
        assertTrue(Files.size(prepared) > Files.size(plan), Files.size(prepared) + " bytes: the encodings are in the file");
        CliTestSupport.Run alone = CliTestSupport.run("plan", "--model", "lola-small", "--prepared");
        assertEquals(2, alone.code());
        assertTrue(alone.err().contains("--prepared goes with --out FILE"), alone.err());
        Path x = dir.resolve("prep-x.tensor");
        CliTestSupport.Run e = CliTestSupport.run("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--images",
                CliTestSupport.MNIST + "/t10k-images-idx3-ubyte.gz", "--count", "3", "--out", x.toString());
        assertEquals(0, e.code(), e.err());
        Path y1 = dir.resolve("prep-y1.tensor");
        Path y2 = dir.resolve("prep-y2.tensor");
        assertEquals(0, CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(), "--in",
                x.toString(), "--out", y1.toString()).code());
        CliTestSupport.Run v = CliTestSupport.run("evaluate", "--plan", prepared.toString(), "--evaluation-keys", evk.toString(),
                "--in", x.toString(), "--out", y2.toString());
        assertEquals(0, v.code(), v.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(y1), Files.readAllBytes(y2));
    }

    /** The secret key: created 600, never replaced silently, refused when others may read it, never accepted by evaluate. */
    @Test
    void theSecretKeyStaysPrivate() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sk)));
        byte[] before = Files.readAllBytes(sk);
        CliTestSupport.Run again = CliTestSupport.run("keygen", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--evaluation-keys", dir.resolve("other.keys").toString());
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains(sk + " exists; pass --force"), again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(sk)), "the key was not touched");

        Path shared = dir.resolve("shared.key");
        Files.write(shared, before);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        CliTestSupport.Run open = CliTestSupport.run("decrypt", "--plan", client.toString(), "--secret-key", shared.toString(),
                "--in", dir.resolve("none.tensor").toString(), "--count", "1");
        assertEquals(3, open.code(), open.err());
        assertTrue(open.err().contains("readable or writable by others (mode rw-r--r--): chmod 600 " + shared), open.err());

        CliTestSupport.Run server = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                "--secret-key", sk.toString(), "--in", "x", "--out", "y");
        assertEquals(2, server.code(), server.err());
        assertTrue(server.err().startsWith("lola4j evaluate: unknown option --secret-key"), server.err());
        CliTestSupport.Run same = CliTestSupport.run("keygen", "--plan", client.toString(), "--secret-key", "k", "--evaluation-keys",
                "./k");
        assertEquals(2, same.code(), same.err());
    }

    /** Bad input: named, nothing written. */
    @Test
    void badInputIsNamedAndNothingIsWritten() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "0,".repeat(783) + "300\n");
        Path x = dir.resolve("never.tensor");
        CliTestSupport.Run e = CliTestSupport.run("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--images",
                bad.toString(), "--out", x.toString());
        assertEquals(3, e.code(), e.err());
        assertTrue(e.err().contains("bad.csv line 1: pixels[783] = 300.0 is outside [0, 255.0], the stated range"), e.err());
        assertTrue(Files.notExists(x));
        // bytes read as [0, 1]: the hint names the option that says the range
        Path bytes = Files.writeString(dir.resolve("bytes.csv"), "0,".repeat(783) + "200\n");
        CliTestSupport.Run r = CliTestSupport.run("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--images",
                bytes.toString(), "--pixel-range", "1", "--out", x.toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("take --pixel-range 255") && !r.err().contains("pixelMax"), r.err());
        assertTrue(Files.notExists(x));
        // bytes that are not text: said so, not a decoder's "Input length = 1"
        Path binary = Files.write(dir.resolve("binary.csv"), new byte[] {(byte) 0xff, (byte) 0xfe, 1, 2});
        CliTestSupport.Run b = CliTestSupport.run("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--images",
                binary.toString(), "--out", x.toString());
        assertEquals(3, b.code(), b.err());
        assertTrue(b.err().contains("binary.csv: binary content, not text (bytes that are not UTF-8); encrypt reads an IDX"
                + " file (MNIST's format), a folder of image files or a text file of one image per line"), b.err());
        assertTrue(Files.notExists(x));
        Path empty = Files.createFile(dir.resolve("empty.tensor"));
        CliTestSupport.Run v = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                "--in", empty.toString(), "--out", x.toString());
        assertEquals(3, v.code(), v.err());
        assertTrue(v.err().contains(empty + ": no tensors (an empty file)"), v.err());
        // evaluation keys where the tensor should be: named, with the tensor's position
        CliTestSupport.Run w = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                "--in", evk.toString(), "--out", x.toString());
        assertEquals(3, w.code(), w.err());
        assertTrue(w.err().contains(evk + ", tensor 1: "), w.err());
        assertTrue(Files.notExists(x));
        List<String> files;
        try (var s = Files.list(dir)) {
            files = s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".part")).toList();
        }
        assertEquals(List.of(), files, "no temporary file left behind");
        assertTrue(String.format(Locale.ROOT, "%s", x).endsWith("never.tensor"));
    }
}
