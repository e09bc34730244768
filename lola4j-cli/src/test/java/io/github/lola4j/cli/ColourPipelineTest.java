package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lola4j.data.Cifar10;
import io.github.lola4j.data.ColourImages;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step commands on a colour model: a small 3 x 32 x 32 network with random weights (a fixed
 * seed) and CIFAR-10's per-channel standardisation, its images given as text in [0, 1], as
 * CIFAR-10 binary records and as image files; each decrypted prediction and score against the
 * plaintext network's, and what encrypt refuses.
 */
class ColourPipelineTest {

    private static final String CIFAR = "../shared/data/cifar10";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path plan;
    private static Path client;
    private static Path sk;
    private static Path evk;
    private static Network net;
    /** The first ten CIFAR-10 test images. */
    private static LabeledImages test;

    @BeforeAll
    static void compileAndMakeKeys() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20261207);
        Conv2d.Geometry g = Conv2d.Geometry.square(3, 4, 6, 2, 0, 0, 0, 0); // 4 x 14 x 14
        double[] w = new double[g.weightCount()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (rnd.nextDouble() * 2 - 1) / Math.sqrt(3 * 36.0);
        }
        double[] b = {0.1, -0.2, 0.05, 0.0};
        double[] d = new double[784 * 10];
        for (int i = 0; i < d.length; i++) {
            d[i] = (rnd.nextDouble() * 2 - 1) / Math.sqrt(784.0);
        }
        double[] db = new double[10];
        for (int i = 0; i < db.length; i++) {
            db[i] = rnd.nextDouble() - 0.5;
        }
        // CIFAR-10's training set per channel (docs/models.md's lola-cifar standardisation, rounded)
        InputNormalization norm = InputNormalization.standardize(new double[] {125.3, 123.0, 113.9},
                new double[] {63.0, 62.1, 66.7});
        net = Network.of(Shape.of(3, 32, 32), List.of(Conv2d.of(g, w, b), Square.INSTANCE, Flatten.INSTANCE,
                Dense.of(784, 10, d, db)),
                ModelInfo.untrained("colour-tiny", "cifar10", norm));
        Path model = dir.resolve("colour.model");
        ModelFormat.write(net, model, ModelFormat.WeightEncoding.lossless(net));
        plan = dir.resolve("colour.plan");
        client = dir.resolve("colour.client");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", model.toString(), "--data", CIFAR, "--out",
                plan.toString(), "--client-plan", client.toString(), "--quiet");
        assertEquals(0, p.code(), p.err());
        sk = dir.resolve("secret.key");
        evk = dir.resolve("eval.keys");
        CliTestSupport.Run k = CliTestSupport.run("keygen", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--evaluation-keys", evk.toString());
        assertEquals(0, k.code(), k.err());
        test = Cifar10.loadTestSet(Path.of(CIFAR)).subset(0, 10);
    }

    /** encrypt, evaluate, decrypt; the decrypted rows of the JSON output. */
    private static JsonNode pipeline(String name, String... encryptOptions) throws Exception {
        Path x = dir.resolve(name + ".x");
        Path y = dir.resolve(name + ".y");
        Path out = dir.resolve(name + ".json");
        List<String> args = new ArrayList<>(List.of("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--out", x.toString()));
        args.addAll(List.of(encryptOptions));
        CliTestSupport.Run e = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(0, e.code(), e.err());
        CliTestSupport.Run v = CliTestSupport.run("evaluate", "--plan", plan.toString(), "--evaluation-keys", evk.toString(),
                "--in", x.toString(), "--out", y.toString());
        assertEquals(0, v.code(), v.err());
        CliTestSupport.Run d = CliTestSupport.run("decrypt", "--plan", client.toString(), "--secret-key", sk.toString(), "--in",
                y.toString(), "--out", out.toString());
        assertEquals(0, d.code(), d.err());
        return JSON.readTree(out.toFile()).get("images");
    }

    /** Each decrypted row against the plaintext network on the same input values. */
    private static void assertPlaintext(JsonNode rows, List<double[]> inputs, String what) {
        assertEquals(inputs.size(), rows.size(), what);
        for (int i = 0; i < inputs.size(); i++) {
            double[] plain = net.forward(inputs.get(i));
            JsonNode row = rows.get(i);
            assertEquals(net.predict(inputs.get(i)), row.get("prediction").asInt(), what + " image " + i);
            for (int c = 0; c < plain.length; c++) {
                assertEquals(plain[c], row.get("scores").get(c).asDouble(), 1e-3, what + " image " + i + " score " + c);
            }
        }
    }

    private static List<double[]> inputs(int from, int to) {
        List<double[]> xs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            xs.add(net.input(test, i));
        }
        return xs;
    }

    /** One CIFAR record: the label byte, then the R, G and B planes. */
    private static byte[] record(int i) {
        byte[] r = new byte[3073];
        r[0] = (byte) test.label(i);
        System.arraycopy(test.rawImage(i), 0, r, 1, 3072);
        return r;
    }

    /** Text in [0, 1], channel-first (PyTorch's ToTensor, flattened): the plaintext network's predictions. */
    @Test
    void textInZeroOneDecryptsToThePlaintextPredictions() throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 3; c++) {
                for (int r = 0; r < 32; r++) {
                    for (int x = 0; x < 32; x++) {
                        csv.append(c + r + x == 0 ? "" : ",").append(test.pixel(i, c, r, x) / 255.0);
                    }
                }
            }
            csv.append('\n');
        }
        Path images = Files.writeString(dir.resolve("colour.csv"), csv);
        assertPlaintext(pipeline("csv", "--images", images.toString(), "--pixel-range", "1"), inputs(0, 3), "csv");
    }

    /** CIFAR-10's binary records: a file of two written here, and the real test batch (gzipped) from an offset. */
    @Test
    void binaryRecordsDecryptToThePlaintextPredictions() throws Exception {
        Path few = dir.resolve("few.bin");
        try (var s = Files.newOutputStream(few)) {
            s.write(record(3));
            s.write(record(4));
        }
        assertPlaintext(pipeline("bin", "--images", few.toString()), inputs(3, 5), "few.bin");
        assertPlaintext(pipeline("batch", "--images", CIFAR + "/test_batch.bin.gz", "--offset", "5", "--count", "1"),
                inputs(5, 6), "test_batch.bin.gz");
    }

    /** Image files: one of the plan's size (taken as it is), one larger (resized and cropped by the library's rule). */
    @Test
    void imageFilesDecryptToThePlaintextPredictions() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("pictures"));
        BufferedImage exact = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        BufferedImage wide = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < 40; r++) {
            for (int x = 0; x < 48; x++) {
                int s = Math.min(r * 32 / 40, 31);
                int t = Math.min(x * 32 / 48, 31);
                wide.setRGB(x, r, test.pixel(7, 0, s, t) << 16 | test.pixel(7, 1, s, t) << 8 | test.pixel(7, 2, s, t));
                if (r < 32 && x < 32) {
                    exact.setRGB(x, r, test.pixel(6, 0, r, x) << 16 | test.pixel(6, 1, r, x) << 8 | test.pixel(6, 2, r, x));
                }
            }
        }
        Path a = folder.resolve("a.png");
        Path b = folder.resolve("b.png");
        ImageIO.write(exact, "png", a.toFile());
        ImageIO.write(wide, "png", b.toFile());
        assertArrayEquals(test.rawImage(6), ColourImages.read(a, 32, 32), "an image of the plan's size is taken as it is");
        List<double[]> xs = new ArrayList<>();
        for (Path f : List.of(a, b)) {
            byte[] px = ColourImages.read(f, 32, 32);
            xs.add(net.input(LabeledImages.of(f.toString(), 3, 32, 32, 10, px, new byte[1]), 0));
        }
        assertPlaintext(pipeline("png", "--images", folder.toString()), xs, "png");
    }

    /** Each bad input named with its file and place, nothing written. */
    @Test
    void badColourInputIsNamedAndNothingIsWritten() throws Exception {
        Path x = dir.resolve("never.tensor");
        String ones = "1,".repeat(3071) + "1";
        Path shortLine = Files.writeString(dir.resolve("short.csv"), ones + "\n" + "0,".repeat(1023) + "0\n");
        assertRefused(shortLine, x, "short.csv line 2: 1024 values, expected 3072 (3 x 32 x 32: channel by channel, each"
                + " row by row, one image per line)", "--pixel-range", "1");
        Path range = Files.writeString(dir.resolve("range.csv"), "0,".repeat(1061) + "2," + "0,".repeat(2009) + "0\n");
        assertRefused(range, x, "range.csv line 1, value 1062 (channel 2, G; row 2, column 6): pixels[1061] = 2.0 is"
                + " outside [0, 1.0], the stated range", "--pixel-range", "1");
        Path word = Files.writeString(dir.resolve("word.csv"), "0,".repeat(5) + "red," + "0,".repeat(3065) + "0\n");
        assertRefused(word, x, "word.csv line 1, value 6: 'red' is not a number");

        Path torn = dir.resolve("torn.bin");
        Files.write(torn, java.util.Arrays.copyOf(record(0), 3073 + 5));
        assertRefused(torn, x, "torn.bin: 3078 bytes is not a whole number of records of 3073 bytes (1 label byte, then"
                + " 3 x 32 x 32 pixel bytes): 1 record and 5 bytes over");
        Path label = dir.resolve("label.bin");
        byte[] two = new byte[2 * 3073];
        two[3073] = (byte) 200;
        Files.write(label, two);
        assertRefused(label, x, "label.bin: record 2 of 2 has label 200, expected 0..9");
        // binary records not named *.bin: told apart from text by a NUL byte, or by bytes that are not UTF-8
        Path misnamed = dir.resolve("batch.dat");
        byte[] zero = record(0);
        zero[100] = 0;
        Files.write(misnamed, zero);
        assertRefused(misnamed, x, "batch.dat: binary content, not text (a NUL byte); the plan takes 3 x 32 x 32 images:"
                + " give a text file of one image per line (channel by channel), a folder of colour image files, or"
                + " CIFAR-10 binary records (a file named *.bin or *.bin.gz)");
        byte[] noZero = record(0);
        for (int i = 0; i < noZero.length; i++) {
            noZero[i] = (byte) (noZero[i] == 0 ? 0xff : noZero[i] | 0x80);
        }
        Files.write(misnamed, noZero);
        assertRefused(misnamed, x, "batch.dat: binary content, not text (bytes that are not UTF-8)");
        assertRefused(Path.of(CliTestSupport.MNIST, "t10k-images-idx3-ubyte.gz"), x, "a gzipped file not named *.bin.gz"
                + " (IDX files hold greyscale images); the plan takes 3 x 32 x 32 images");
        Path idx = dir.resolve("digits.idx");
        Files.write(idx, new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7});
        assertRefused(idx, x, "digits.idx: an IDX file (MNIST's format), which holds greyscale images");

        Path greys = Files.createDirectories(dir.resolve("greys"));
        BufferedImage grey = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        ImageIO.write(grey, "png", greys.resolve("digit.png").toFile());
        assertRefused(greys, x, "digit.png: a greyscale image (a grey colour space); a colour model takes 3 x 32 x 32"
                + " colour images (R, G, B)");
        assertTrue(Files.notExists(x));
    }

    private static void assertRefused(Path images, Path x, String message, String... more) {
        List<String> args = new ArrayList<>(List.of("encrypt", "--plan", client.toString(), "--secret-key", sk.toString(),
                "--images", images.toString(), "--out", x.toString()));
        args.addAll(List.of(more));
        CliTestSupport.Run e = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(3, e.code(), e.err());
        assertTrue(e.err().contains(message), e.err());
        assertTrue(e.err().contains(Files.isDirectory(images) ? images.toString() : "--images " + images), e.err());
    }

    /** A split ONNX model's plan starts with a part the client runs in plaintext: encrypt still refuses it. */
    @Test
    void aPlanWithAClientPartIsStillRefused() throws Exception {
        Path split = dir.resolve("split.plan");
        Path splitClient = dir.resolve("split.client");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/"
                + "relu_prefix.onnx", "--encrypt-from", "/conv2/Conv", "--out", split.toString(), "--client-plan",
                splitClient.toString(), "--quiet");
        assertEquals(0, p.code(), p.err());
        CliTestSupport.Run e = CliTestSupport.run("encrypt", "--plan", splitClient.toString(), "--secret-key", sk.toString(),
                "--images", dir.resolve("colour.csv").toString(), "--out", dir.resolve("split.x").toString());
        assertEquals(2, e.code(), e.err());
        assertTrue(e.err().contains("the plan starts with a part the client runs in plaintext (a split ONNX model); encrypt"
                + " does not run it: use lola4j client"), e.err());
    }
}
