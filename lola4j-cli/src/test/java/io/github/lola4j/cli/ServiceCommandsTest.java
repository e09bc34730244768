package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.service.ClientKeyCache;
import io.github.lola4j.service.PredictionClient;
import io.github.lola4j.service.PredictionServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} and {@code client} end to end over loopback, and their usage errors. */
class ServiceCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /**
     * The deep-features row as a service: the client extracts a CalTech-101 photo's features with
     * SqueezeNet 1.1 itself and sends only their encryption; the prediction is the plaintext head's.
     */
    @Test
    void aDeepFeaturesClientSendsOnlyEncryptedFeatures() throws Exception {
        PredictionServer server = new ServeCommand(Map.of()).start(new String[] {"--port", "0", "--models", "caltech101-head"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            Path photo = Path.of("../shared/data/caltech101/101_ObjectCategories/ant/image_0021.jpg");
            double[] features = DeepFeatures.extractor(Path.of("../shared/data"), k -> null, tmp).extract(
                    io.github.lola4j.data.Caltech101.normalize(io.github.lola4j.data.Caltech101.preprocess(
                            javax.imageio.ImageIO.read(photo.toFile()), "ant")));
            int expected = Tensor.argmax(ModelRegistry.load("caltech101-head").forward(features));
            CliTestSupport.Run r = CliTestSupport.run("client", "--server", server.uri().toString(), "--model", "caltech101-head",
                    "--image", photo.toString(), "--data", "../shared/data", "--no-cache", "--json");
            assertEquals(0, r.code(), r.err());
            JsonNode j = JSON.readTree(r.lastLine());
            assertEquals(expected, j.get("prediction").asInt());
            assertTrue(j.get("input").asText().contains("through SqueezeNet 1.1 on this machine"), r.lastLine());
            CliTestSupport.Run bad = CliTestSupport.run("client", "--server", server.uri().toString(), "--model", "caltech101-head",
                    "--mnist-index", "3", "--no-cache");
            assertEquals(2, bad.code());
            assertTrue(bad.err().contains("a deep-features head: give --image FILE"), bad.err());
        } finally {
            server.close();
        }
    }

    /**
     * A split model served: {@code plan --encrypt-from --out} writes the client's part into the plan
     * (or serve splits the .onnx itself), serve hosts it, and the client learns from the plan what to run on its image before
     * encrypting (ReLU and max pooling, here); the prediction is the plaintext split model's.
     */
    @Test
    void aServedSplitModelTellsTheClientWhatToRunFirst() throws Exception {
        String onnx = "lola4j-onnx/src/test/resources/io/github/lola4j/onnx/mnist_relu_prefix.onnx";
        Path planFile = tmp.resolve("split.plan");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", onnx, "--encrypt-from", "/3/Conv", "--pixel-scale",
                "0.00392156862745098", "--out", planFile.toString());
        assertEquals(0, p.code(), p.err());
        // the plan file, and the same model split by serve itself
        PredictionServer server = new ServeCommand(Map.of()).start(new String[] {"--port", "0", "--models", "split=" + planFile
            + ",live=" + onnx, "--encrypt-from", "/3/Conv", "--pixel-scale", "0.00392156862745098"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            io.github.lola4j.onnx.OnnxModels.Split split = io.github.lola4j.onnx.OnnxModels.split(Path.of(onnx), "/3/Conv");
            LabeledImages test = Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST);
            for (int index : new int[] {0, 7}) {
                int expected = Tensor.argmax(split.encryptedSuffix().forward(split.clientPrefix().run(test.image(index, 1 / 255.0))));
                String model = index == 0 ? "split" : "live";
                CliTestSupport.Run r = CliTestSupport.run("client", "--server", server.uri().toString(), "--model", model,
                        "--mnist-index", Integer.toString(index), "--data", CliTestSupport.MNIST, "--no-cache", "--json");
                assertEquals(0, r.code(), r.err());
                JsonNode j = JSON.readTree(r.lastLine());
                assertEquals(expected, j.get("prediction").asInt(), r.lastLine());
                assertTrue(j.get("input").asText().contains("through the server's client part"), r.lastLine());
            }
        } finally {
            server.close();
        }
        assertEquals(2, CliTestSupport.run("plan", "--model", "lola-small", "--pixel-scale", "0.5").code(),
                "--pixel-scale without --encrypt-from");
        assertEquals(2, CliTestSupport.run("serve", "--port", "0", "--models", "lola-small", "--encrypt-from", "/3/Conv").code(),
                "--encrypt-from on a model that is not .onnx");
    }

    @Test
    void clientGetsThePredictionFromServeForAnMnistIndexAndAPng() throws Exception {
        Path planFile = tmp.resolve("small.plan");
        CliTestSupport.Run p = CliTestSupport.run("plan", "--model", "lola-small", "--out", planFile.toString());
        assertEquals(0, p.code(), p.err());
        ByteArrayOutputStream serveOut = new ByteArrayOutputStream();
        PredictionServer server = new ServeCommand(Map.of()).start(new String[] {"--port", "0", "--models",
            "lola-small,precompiled=" + planFile}, new PrintStream(serveOut, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            String url = server.uri().toString();
            assertTrue(serveOut.toString(StandardCharsets.UTF_8).contains("listening on " + url), serveOut.toString());
            LabeledImages test = Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST);
            Network net = ModelRegistry.load("lola-small");
            int index = 12;
            int expected = Tensor.argmax(net.forward(net.input(test, index)));
            String keys = tmp.resolve("keys").toString();

            CliTestSupport.Run first = CliTestSupport.run("client", "--server", url, "--model", "lola-small", "--mnist-index",
                    Integer.toString(index), "--data", CliTestSupport.MNIST, "--keys", keys, "--threads", "2", "--json");
            assertEquals(0, first.code(), first.err());
            JsonNode j = JSON.readTree(first.lastLine());
            // the times printed say the threads they ran on
            assertEquals(2, j.get("threads").asInt(), first.lastLine());
            assertTrue(first.out().matches("(?s).*keys generated in [0-9.]+ s on 2 threads.*"), first.out());
            assertTrue(first.out().matches("(?s).*encrypt +[0-9.]+ s on 2 threads.*"), first.out());
            for (String f : new String[] {"prediction", "label", "latency_s", "server_s", "bytes_sent", "bytes_received"}) {
                assertTrue(j.hasNonNull(f), f + " in " + first.lastLine());
            }
            assertEquals(expected, j.get("prediction").asInt());
            assertEquals(test.label(index), j.get("label").asInt());
            assertFalse(j.get("cached_keys").asBoolean());
            assertTrue(j.get("server_s").asDouble() > 0 && j.get("server_s").asDouble() < j.get("latency_s").asDouble());
            assertTrue(first.out().contains("predicted " + expected), first.out());

            CliTestSupport.Run second = CliTestSupport.run("client", "--server", url, "--model", "lola-small", "--mnist-index",
                    Integer.toString(index), "--data", CliTestSupport.MNIST, "--keys", keys, "--json");
            assertEquals(0, second.code(), second.err());
            JsonNode k = JSON.readTree(second.lastLine());
            assertTrue(k.get("cached_keys").asBoolean(), "the second run reuses the cached keys");
            // the first run sent the keys (made for the plan's levels: at N = 8192 less than its input) and the input
            long keyBytes = 0;
            for (JsonNode m : JSON.readTree(java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(server.uri().resolve("/v1/models")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body()).get("models")) {
                if (m.get("name").asText().equals("lola-small")) {
                    keyBytes = m.get("keys").get("seeded_bytes").asLong();
                }
            }
            assertTrue(keyBytes > 0);
            assertTrue(j.get("bytes_sent").asLong() - k.get("bytes_sent").asLong() >= keyBytes,
                    "no second key upload: " + j.get("bytes_sent") + " then " + k.get("bytes_sent") + ", keys " + keyBytes);

            // the client checks its memory estimate against the heap before it makes any key
            java.util.function.Supplier<MemoryPreflight.Heap> real = MemoryPreflight.heap;
            MemoryPreflight.heap = () -> new MemoryPreflight.Heap(100L << 20, 90L << 20);
            try {
                CliTestSupport.Run small = CliTestSupport.run("client", "--server", url, "--model", "lola-small", "--mnist-index", "1",
                        "--data", CliTestSupport.MNIST, "--no-cache");
                assertEquals(3, small.code(), small.err());
                assertTrue(small.err().contains("-Xmx") && small.err().contains("--no-memory-check"), small.err());
                assertFalse(small.err().contains("Exception"), small.err());
                assertEquals("", small.out());
            } finally {
                MemoryPreflight.heap = real;
            }

            Path png = tmp.resolve("digit.png");
            BufferedImage img = new BufferedImage(test.cols(), test.rows(), BufferedImage.TYPE_BYTE_GRAY);
            for (int r = 0; r < test.rows(); r++) {
                for (int c = 0; c < test.cols(); c++) {
                    int v = 255 - test.pixel(index, r, c); // dark on light, as a user would draw it
                    img.getRaster().setSample(c, r, 0, v);
                }
            }
            ImageIO.write(img, "png", png.toFile());
            CliTestSupport.Run fromPng = CliTestSupport.run("client", "--server", url, "--model", "precompiled", "--image",
                    png.toString(), "--no-cache", "--json");
            assertEquals(0, fromPng.code(), fromPng.err());
            JsonNode q = JSON.readTree(fromPng.lastLine());
            assertEquals(expected, q.get("prediction").asInt(), "the PNG, inverted back, is the same digit");
            assertTrue(q.get("label").isNull());
            assertFalse(fromPng.err().contains("warning"), fromPng.err());
            // a blank page is still classified (a network gives every input a class), with a warning that says so
            Path blank = tmp.resolve("blank.png");
            ImageIO.write(new BufferedImage(test.cols(), test.rows(), BufferedImage.TYPE_BYTE_GRAY), "png", blank.toFile());
            CliTestSupport.Run fromBlank = CliTestSupport.run("client", "--server", url, "--model", "precompiled", "--image",
                    blank.toString(), "--no-cache");
            assertEquals(0, fromBlank.code(), fromBlank.err());
            assertTrue(fromBlank.err().contains("lola4j client: warning: " + blank + ": the image is blank (no strokes): any"
                    + " prediction is a guess"), fromBlank.err());

            // a forged cache record (this client's secret key beside another client's key id and digest):
            // the server evaluates with the other keys, the decryption refuses, the command exits with 4
            PredictionClient pc = new PredictionClient(server.uri(), null, Duration.ofMinutes(2));
            ClientPlan cp = pc.clientPlan("lola-small");
            SecureRandom rnd = new SecureRandom();
            KeyGenerator kg = new KeyGenerator(cp.parameters(), rnd);
            PredictionClient.Registration theirs = pc.registerKeys("lola-small",
                    kg.evaluationKeys(kg.secretKey(), cp.keyRequirements()));
            Path forgedKeys = tmp.resolve("forged-keys");
            new ClientKeyCache(forgedKeys).store(server.uri(), cp, new ClientKeyCache.Entry(
                    new KeyGenerator(cp.parameters(), rnd).secretKey(), theirs.keyId(), theirs.keysDigest()));
            CliTestSupport.Run forged = CliTestSupport.run("client", "--server", url, "--model", "lola-small", "--mnist-index",
                    "3", "--data", CliTestSupport.MNIST, "--keys", forgedKeys.toString());
            assertEquals(4, forged.code(), forged.err());
            assertTrue(forged.err().contains("does not decrypt under this secret key"), forged.err());
            assertFalse(forged.out().contains("predicted"), forged.out());

            CliTestSupport.Run unknown = CliTestSupport.run("client", "--server", url, "--model", "nope", "--image", png.toString(),
                    "--no-cache");
            assertEquals(3, unknown.code());
            assertTrue(unknown.err().contains("unknown_model"), unknown.err());
        } finally {
            server.close();
        }
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals(2, CliTestSupport.run("client", "--model", "lola").code());
        assertEquals(2, CliTestSupport.run("client", "--server", "http://127.0.0.1:1", "--model", "lola").code());
        assertEquals(2, CliTestSupport.run("client", "--server", "http://127.0.0.1:1", "--model", "lola", "--image", "a.png",
                "--mnist-index", "1").code());
        assertEquals(2, CliTestSupport.run("client", "--server", "ftp://x", "--model", "lola", "--image", "a.png").code());
        assertEquals(2, CliTestSupport.run("client", "--server", "http://127.0.0.1:1", "--model", "lola", "--image", "a.png",
                "--threads", "0").code());
        // a missing image is found before any server is asked (MainTest has the unreachable server)
        CliTestSupport.Run missing = CliTestSupport.run("client", "--server", "http://127.0.0.1:1", "--model", "lola", "--image",
                "a.png", "--no-cache");
        assertEquals(3, missing.code(), missing.err());
        assertEquals("lola4j client: a.png: no such file (--image)", missing.err().strip());
        CliTestSupport.Run tls = CliTestSupport.run("serve", "--port", "0", "--tls-keystore", tmp.resolve("none.p12").toString());
        assertTrue(tls.code() == 2 || tls.code() == 3, tls.err());
        CliTestSupport.Run nosuch = CliTestSupport.run("serve", "--port", "0", "--models", tmp.resolve("missing.model").toString());
        assertEquals(3, nosuch.code(), nosuch.err());
        assertTrue(nosuch.err().startsWith("lola4j serve: " + tmp.resolve("missing.model") + ": neither a shipped model")
                && !nosuch.err().contains("Exception"), nosuch.err());
        assertEquals(2, CliTestSupport.run("serve", "--port", "99999").code());
        // plain HTTP on an address other machines reach needs TLS or an explicit --insecure
        CliTestSupport.Run open = CliTestSupport.run("serve", "--port", "0", "--bind", "0.0.0.0", "--models", "lola-small");
        assertEquals(2, open.code(), open.err());
        assertTrue(open.err().contains("--insecure") && open.err().contains("--tls-keystore"), open.err());
        ByteArrayOutputStream warned = new ByteArrayOutputStream();
        PredictionServer insecure = new ServeCommand(Map.of()).start(new String[] {"--port", "0", "--bind", "0.0.0.0", "--insecure",
            "--models", "lola-small"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(warned, true, StandardCharsets.UTF_8));
        insecure.close();
        assertTrue(warned.toString(StandardCharsets.UTF_8).contains("WARNING: plain HTTP on 0.0.0.0"), warned.toString());
        // a port in use: told at once, naming it, before any model is compiled (lola-cifar would take a minute)
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliTestSupport.Run busy = CliTestSupport.run("serve", "--port", String.valueOf(taken.getLocalPort()), "--models",
                    "lola-cifar");
            assertEquals(3, busy.code(), busy.err());
            assertEquals("lola4j serve: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use (another"
                    + " program listens there: choose another port with --port P, or --port 0 for a free one)", busy.err().strip());
            assertEquals("", busy.out());
        }
        assertTrue(CliTestSupport.run("serve", "--help").out().contains("/v1"));
        assertTrue(CliTestSupport.run("client", "--help").out().contains("--mnist-index"));
        assertTrue(Files.notExists(Path.of("a.png")));
    }
}
