package io.github.lola4j.cli;

import io.github.lola4j.data.DigitImages;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.service.ClientKeyCache;
import io.github.lola4j.service.ClientSession;
import io.github.lola4j.service.PredictionClient;
import io.github.lola4j.service.TlsContexts;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * {@code client}: asks a {@code serve} server for one encrypted prediction. The secret key is made
 * and kept here (cached on disk like a private key); the server receives the evaluation keys once
 * and then only ciphertexts.
 */
final class ClientCommand implements Command {

    /** The input size of a deep-features head (SqueezeNet 1.1's pooled features, docs/deep-features.md). */
    private static final int DEEP_FEATURES = 512;


    private final Map<String, String> env;

    /** Creates the command (reading the environment for the key folder and the trust store password). */
    public ClientCommand() {
        this(System.getenv());
    }

    ClientCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Spec spec() {
        return Spec.of("client", "encrypt an image, have a serve server classify it, decrypt the prediction")
                .synopsis("lola4j client --server URL --model NAME (--image FILE | --mnist-index I) [options]")
                .description("Fetches the model's client plan (parameters, layouts, key requirements; never the weights),",
                        "generates the secret key and exactly the evaluation keys the plan needs, registers the",
                        "evaluation keys once, encrypts the input with the secret key, sends the ciphertexts, decrypts",
                        "the encrypted scores and prints the prediction, the time of each step and the bytes sent and",
                        "received. The secret key never leaves this machine.")
                .option("server", "URL", "the server, e.g. http://127.0.0.1:8080 or https://host:8443")
                .option("model", "NAME", "a model the server hosts (GET /v1/models lists them)")
                .option("image", "FILE", "a PNG (or JPEG, GIF, BMP) of any size and colour: converted to greyscale,",
                        "inverted when dark on light, fitted and centred as MNIST digits are; for a",
                        "deep-features head (caltech101-head) any photo: its 512 SqueezeNet 1.1",
                        "features are computed here, in plaintext, and only they are encrypted and sent",
                        "(SqueezeNet is read from squeezenet1.1/ under --data, $LOLA4J_DATA or the cache)")
                .option("mnist-index", "I", "test image I of the data set instead (its label is printed too)")
                .option("data", "DIR", "folder with the data set's files; default $LOLA4J_DATA, ~/.cache/lola4j, download")
                .option("dataset", "ID", "mnist, fashion-mnist or cifar10 (default mnist)")
                .flag("no-download", "fail instead of downloading missing data")
                .option("keys", "DIR", "key cache (default $LOLA4J_KEYS or ~/.cache/lola4j/keys): per server and model",
                        "one record of the secret key, the key id and the keys' digest, readable by",
                        "you only; processes sharing it take turns (a file lock)")
                .flag("no-cache", "keep the keys in memory only (new keys, a new upload every run)")
                .option("trust-store", "FILE", "trust the certificates of this PKCS#12/JKS file (a private or self-signed",
                        "server); its password from $LOLA4J_TRUST_PASSWORD (default: none)")
                .option("timeout", "S", "the longest one request may take (default 300)")
                .option("threads", "T", "threads generating the keys and encrypting the input (default: available",
                        "processors; the keys and ciphertexts do not depend on it)")
                .flag("allow-insecure", "accept a plan whose parameters skip the 128-bit security check (tests only)")
                .flag("no-memory-check", "skip the check of the plan's memory estimate against the heap before the keys",
                        "are made")
                .flag("json", "end with one line of JSON: model, server, prediction, label, scores, latency_s",
                        "(encrypt + round trip + decrypt), server_s, encrypt_s, network_s,",
                        "decrypt_s, setup_s, keygen_s, register_s, threads, cached_keys, bytes_sent and",
                        "bytes_received (the request bodies of this run: key upload and input; the",
                        "plan and the result)")
                .footer("exit code: 0 on success, 2 on a usage error, 3 when the server, the image or the data cannot be",
                        "used (the server's error is printed), 4 when the result does not decrypt to values a correct",
                        "evaluation can give (computed with other keys, corrupted, or overflowed): no prediction is printed.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (!o.has("server") || !o.has("model")) {
            throw new UsageException("--server URL and --model NAME are required");
        }
        if (o.has("image") == o.has("mnist-index")) {
            throw new UsageException("give exactly one of --image FILE and --mnist-index I");
        }
        if (o.has("keys") && o.has("no-cache")) {
            throw new UsageException("--keys and --no-cache exclude each other");
        }
        URI server;
        try {
            server = URI.create(o.get("server", ""));
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --server: not a URL: " + e.getMessage());
        }
        SSLContext tls = null;
        if (o.has("trust-store")) {
            tls = TlsContexts.client(Path.of(o.get("trust-store", "")), env.getOrDefault("LOLA4J_TRUST_PASSWORD", "").toCharArray());
        }
        int timeout = o.getInt("timeout", 300, 1, 86_400);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        PredictionClient client;
        try {
            client = new PredictionClient(server, tls, Duration.ofSeconds(timeout));
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --server: " + e.getMessage());
        }
        ClientKeyCache cache = o.has("no-cache") ? null
                : new ClientKeyCache(o.has("keys") ? Path.of(o.get("keys", "")) : ClientKeyCache.defaultRoot(env),
                        w -> err.println("lola4j client: " + w));
        String model = o.get("model", "");
        if (o.has("image") && !Files.isRegularFile(Path.of(o.get("image", "")))) {
            // before the server is asked anything: a mistyped file name is found at once
            throw new java.nio.file.NoSuchFileException(o.get("image", ""), null, "no such file (--image)");
        }
        if (!o.has("no-memory-check")) {
            // the plan is small; fetching it once more costs less than keys that do not fit
            try {
                MemoryPreflight.checkClient("client", model, client.clientPlan(model), "--no-memory-check");
            } catch (MemoryPreflight.InsufficientMemoryException e) {
                err.println("lola4j client: " + e.getMessage());
                return 3;
            }
        }
        double setup;
        ClientPlan plan;
        Integer label = null;
        String source;
        ClientSession.Setup s;
        ClientSession.Result r;
        try (Threads pool = Threads.of(threads)) {
            long t0 = System.nanoTime();
            // the keys and the input's ciphertexts on the pool (the same bytes whatever --threads is)
            ClientSession session = ClientSession.open(client, model, cache, new SecureRandom(), pool.parallelism(),
                    o.has("allow-insecure"));
            setup = (System.nanoTime() - t0) * 1e-9;
            plan = session.plan();
            // a split model: the server's plan names the part this client runs on its image first
            io.github.lola4j.onnx.OnnxGraph prefix = null;
            io.github.lola4j.lola.ClientPart part = plan.clientPart().orElse(null);
            if (part != null) {
                prefix = io.github.lola4j.onnx.OnnxGraph.fromBytes(part.model(), "the client part of model '" + model + "'");
                if (prefix.inputDims().length != 3) {
                    throw new java.io.IOException("the client part of model '" + model + "' takes "
                            + java.util.Arrays.toString(prefix.inputDims()) + ", not an image");
                }
            }
            Shape shape = prefix != null ? Shape.of(prefix.inputDims()) : plan.inputShape();
            boolean deepFeatures = prefix == null && shape.rank() == 1 && shape.size() == DEEP_FEATURES && o.has("image");
            if (shape.rank() != 3 && !deepFeatures) {
                throw new UsageException("model '" + model + "' takes " + shape + ", not an image"
                        + (shape.rank() == 1 && shape.size() == DEEP_FEATURES ? " (a deep-features head: give --image FILE, the"
                        + " client extracts its features)" : ""));
            }
            double[] input;
            if (deepFeatures) {
                // the deep-features row: the image never leaves the client, nor do its features in the clear
                Path file = Path.of(o.get("image", ""));
                java.awt.image.BufferedImage img;
                try {
                    img = javax.imageio.ImageIO.read(file.toFile());
                } catch (java.io.IOException e) {
                    throw new java.io.IOException(file + ": not a readable image (" + e.getMessage() + ")", e);
                }
                if (img == null) {
                    throw new java.io.IOException(file + ": not a readable image (JPEG, PNG, GIF or BMP expected)");
                }
                long x0 = System.nanoTime();
                io.github.lola4j.onnx.PooledFeatures extractor = DeepFeatures.extractor(o.has("data") ? Path.of(o.get("data", ""))
                        : null, env::get, Path.of(System.getProperty("user.home")));
                input = extractor.extract(io.github.lola4j.data.Caltech101.normalize(
                        io.github.lola4j.data.Caltech101.preprocess(img, file.toString())));
                source = String.format(Locale.ROOT, "%s through SqueezeNet 1.1 on this machine (%.3f s, loading included): %d"
                        + " features", file, (System.nanoTime() - x0) / 1e9, input.length);
            } else if (o.has("image")) {
                if (shape.dim(0) != 1) {
                    throw new UsageException("model '" + model + "' takes " + shape + ": --image converts to a greyscale"
                            + " digit; use --mnist-index I with --dataset for colour models");
                }
                Path file = Path.of(o.get("image", ""));
                byte[] pixels = DigitImages.read(file, shape.dim(1), shape.dim(2));
                DigitImages.doubts(pixels, shape.dim(1), shape.dim(2)).ifPresent(w -> err.println("lola4j client: warning: " + file
                        + ": " + w));
                LabeledImages one = DigitImages.asLabeledImages(file.getFileName().toString(), pixels, shape.dim(1),
                        shape.dim(2), 0);
                input = prefix != null ? prefix.run(one.image(0, part.pixelScale())) : plan.normalization().apply(one, 0);
                source = file.toString();
            } else {
                LabeledImages test = TestSet.load(o, o.get("dataset", "mnist"), err).images();
                int i = o.getInt("mnist-index", 0, 0, Integer.MAX_VALUE);
                if (i >= test.count()) {
                    throw new UsageException("--mnist-index " + i + " is outside the " + test.count() + " test images");
                }
                if (test.channels() != shape.dim(0) || test.rows() != shape.dim(1) || test.cols() != shape.dim(2)) {
                    throw new UsageException("model '" + model + "' takes " + shape + ", the data set has " + test.channels()
                            + "x" + test.rows() + "x" + test.cols() + " images");
                }
                try {
                    input = prefix != null ? prefix.run(test.image(i, part.pixelScale())) : plan.normalization().apply(test, i);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                label = test.label(i);
                source = test.name() + " image " + i;
            }
            if (prefix != null) {
                source += String.format(Locale.ROOT, ", through the server's client part (%d nodes, pixels times %s, SHA-256 %s...)"
                        + " in plaintext on this machine", prefix.nodeCount(), part.pixelScale(), part.sha256().substring(0, 16));
            }
            s = session.setup();
            r = session.predict(input);
        }
        double latency = r.encryptSeconds() + r.seconds() + r.decryptSeconds();
        long sent = r.bytesSent() + s.keyBytesSent();
        long received = s.planBytes() + r.bytesReceived();
        out.printf(Locale.ROOT, "server   %s, model %s (N=%d, %d rotation keys)%n", client.server(), model,
                plan.parameters().ringDegree(), plan.keyRequirements().rotations().size());
        out.printf(Locale.ROOT, "setup    %.3f s: plan %.3f s, %s, %s%n", setup, s.planSeconds(),
                s.cachedKeys() ? "secret key from the cache" : String.format(Locale.ROOT, "keys generated in %.3f s on %d thread%s",
                        s.keygenSeconds(), threads, threads > 1 ? "s" : ""),
                s.keyBytesSent() > 0 ? String.format(Locale.ROOT, "evaluation keys registered (%s in %.3f s)",
                        Lola.bytes(s.keyBytesSent()), s.registerSeconds()) : "key id from the cache");
        out.printf(Locale.ROOT, "encrypt  %.3f s on %d thread%s (%s sent)%n", r.encryptSeconds(), threads, threads > 1 ? "s" : "",
                Lola.bytes(r.bytesSent()));
        out.printf(Locale.ROOT, "server   %.3f s round trip, %.3f s evaluating%s%n", r.seconds(), r.serverSeconds(),
                r.reregistered() ? " (the server had forgotten the keys: registered again)" : "");
        out.printf(Locale.ROOT, "decrypt  %.3f s (%s received)%n", r.decryptSeconds(), Lola.bytes(r.bytesReceived()));
        out.printf(Locale.ROOT, "input    %s%n", source);
        out.printf(Locale.ROOT, "predicted %d%s, latency %.3f s, %s sent, %s received%n", r.prediction(),
                label == null ? "" : " (label " + label + ")", latency, Lola.bytes(sent), Lola.bytes(received));
        if (o.has("json")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model);
            j.put("server", client.server().toString());
            j.put("input", source);
            j.put("prediction", r.prediction());
            j.put("label", label);
            j.put("scores", r.scores());
            j.put("latency_s", latency);
            j.put("server_s", r.serverSeconds());
            j.put("encrypt_s", r.encryptSeconds());
            j.put("network_s", r.seconds() - r.serverSeconds());
            j.put("decrypt_s", r.decryptSeconds());
            j.put("setup_s", setup);
            j.put("keygen_s", s.keygenSeconds());
            j.put("register_s", s.registerSeconds());
            j.put("threads", threads);
            j.put("cached_keys", s.cachedKeys());
            j.put("reregistered", r.reregistered());
            j.put("bytes_sent", sent);
            j.put("bytes_received", received);
            out.println(Json.write(j));
        }
        return 0;
    }
}
