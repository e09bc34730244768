package io.github.lola4j.cli;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.format.Progress;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.lola.PlanReport;
import io.github.lola4j.math.Simd;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * {@code demo}: the whole picture in under a minute: compile the LoLa network, show its plan,
 * generate the client's keys, encrypt a few test images, evaluate them as the server would (with
 * evaluation keys only), decrypt, and compare with the labels and the plaintext network.
 */
final class DemoCommand implements Command {
    /** Evaluations needed before C2 has compiled the kernels' loops (measured: about ten for lola). */
    private static final int WARM_RUNS = 15;


    /** Creates the command. */
    public DemoCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("demo", "encrypted MNIST end to end: plan, keys, encrypt, evaluate, decrypt (under a minute)")
                .synopsis("lola4j demo [--model NAME|PATH] [--count K] [--data DIR] [options]")
                .description("Compiles the model (default: lola, the LoLa/CryptoNets MNIST network) and prints its plan; generates",
                        "the client's keys; then for K test images (default 5) encrypts the image, evaluates the network on",
                        "the ciphertexts as the server does (evaluation keys only), decrypts the scores and prints the",
                        "prediction next to the label and the plaintext prediction, with the time of each stage and the",
                        "key and ciphertext sizes. Uses the MNIST test set when it is found locally (--data DIR,",
                        "$LOLA4J_DATA, ~/.cache/lola4j/mnist; never downloads), else the 100 images embedded in the jar.")
                .option("model", "NAME|PATH", "a shipped model (" + String.join(", ", ModelRegistry.names()) + ") or a model file (lola4j or .onnx)")
                .option("count", "K", "images to classify (default 5)")
                .option("threads", "T", "threads evaluating (server), generating the keys and encrypting (client);",
                        "default: available processors (the keys and ciphertexts do not depend on it)")
                .option("data", "DIR", "folder with the MNIST files")
                .option("dataset", "ID", "mnist, fashion-mnist or cifar10 (default: the model's); with a CIFAR-10",
                        "model pass --data with the CIFAR-10 files")
                .option("pixel-scale", "S", "an .onnx model takes pixels times S (an ONNX file does not say; 1/255 for",
                        "PyTorch's ToTensor; default 1), or its client part with --encrypt-from")
                .option("encrypt-from", "NODE", "split an .onnx model: the client runs the nodes before NODE on each image",
                        "in plaintext and encrypts the rest's input; needs --dataset, and",
                        "--pixel-scale S when the model takes pixels times S (default 1)")
                .flag("no-memory-check", "run even when the plan's memory estimate exceeds the heap that is left (by",
                        "default such a run stops before any key is generated, exit code 3, naming",
                        "the -Xmx it needs)");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        try {
            return run(o, out);
        } catch (MemoryPreflight.InsufficientMemoryException e) {
            // a refusal, not a failure: the message says what to do, a class name would only distract
            err.println("lola4j " + name() + ": " + e.getMessage());
            return 3;
        }
    }

    private int run(Options o, PrintStream out) throws Exception {
        int count = o.getInt("count", 5, 1, 10000);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        Network net;
        Samples images;
        if (o.has("encrypt-from")) {
            io.github.lola4j.onnx.OnnxModels.Split split = Models.split(o.get("model", ""), o.get("encrypt-from", ""));
            net = split.encryptedSuffix();
            images = Samples.split(o, split.clientPrefix(), out);
        } else if (Samples.isDeepFeaturesHead(net = Models.load(o.get("model", "lola"), o))) {
            images = Samples.load(o, net, count, threads, out);
        } else {
            LabeledImages li = images(net, o);
            images = Samples.ofImages(net, li, o, li.name());
        }
        count = Math.min(count, images.count());

        long t0 = System.nanoTime();
        Plan plan = io.github.lola4j.lola.LolaCompiler.compile(net, Lola.options(net, o, images.calibration()));
        double compile = seconds(t0);
        PlanReport report = plan.report();
        out.print(report);
        out.printf(Locale.ROOT, "compiled in %.2f s%n", compile);
        out.printf(Locale.ROOT, "NTT kernels: %s%n%n", Simd.description());
        if (!o.has("no-memory-check")) {
            // Before any key: a plan larger than the heap would otherwise die minutes later in key generation or encoding.
            MemoryPreflight.check(name(), net.info().name(), plan, threads, "--no-memory-check");
        }

        int agree = 0;
        double warm = Double.NaN;
        try (Threads pool = Threads.of(threads)) {
            Parallelism par = pool.parallelism();
            SecureRandom rnd = new SecureRandom();
            t0 = System.nanoTime();
            KeyGenerator kg = new KeyGenerator(plan.parameters(), rnd);
            SecretKey sk = kg.secretKey();
            PublicKey pk = kg.publicKey(sk);
            // on the pool, as keygen makes them: the keys do not depend on the thread count
            EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements(), par, o.progress());
            double keygen = seconds(t0);
            CkksSerializer ser = new CkksSerializer(plan.parameters());
            long keyBytes = ser.toBytes(evk).length;
            out.printf(Locale.ROOT, "client    keys in %.2f s (%d thread%s): secret key (stays here), public key, evaluation"
                    + " keys %s%n", keygen, threads, threads > 1 ? "s" : "", Lola.bytes(keyBytes));
            t0 = System.nanoTime();
            plan.prepare();
            out.printf(Locale.ROOT, "server    weights encoded for the plan's levels in %.2f s%n", seconds(t0));
            out.printf(Locale.ROOT, "images    %s%n%n", images.source());
            out.printf(Locale.ROOT, "%-6s %-6s %-10s %-6s %-10s %-10s %-10s %s%n", "image", "label", "encrypted", "plain", "encrypt",
                    "evaluate", "decrypt", "upload / download");
            for (int i = 0; i < count; i++) {
                double[] x = images.input(i);
                long a = System.nanoTime();
                // on the pool too (the ciphertexts are those of one thread): the encrypt column is --threads' time
                EncryptedTensor ex = plan.clientPlan().encryptInput(x, pk, rnd, par, Progress.none());
                long b = System.nanoTime();
                EncryptedTensor ey = plan.evaluate(ex, evk, par);
                long c = System.nanoTime();
                double[] scores = plan.clientPlan().decryptOutput(ey, sk);
                long d = System.nanoTime();
                int p = Tensor.argmax(scores);
                int q = net.predict(x);
                agree += p == q ? 1 : 0;
                long up = 0;
                for (var ct : ex.ciphertexts()) {
                    up += ser.toBytes(ct).length;
                }
                long down = 0;
                for (var ct : ey.ciphertexts()) {
                    down += ser.toBytes(ct).length;
                }
                out.printf(Locale.ROOT, "%-6d %-6d %-10d %-6d %-10s %-10s %-10s %s / %s%n", i, images.label(i), p, q,
                        ms(b - a), ms(c - b), ms(d - c), Lola.bytes(up), Lola.bytes(down));
                if (i == count - 1) {
                    warm = Stats.quantile(Lola.evaluationSeconds(plan, ex, evk, par, WARM_RUNS), 0.5);
                }
            }
        }
        out.printf(Locale.ROOT, "%n%d / %d encrypted predictions equal the plaintext network's (%d thread%s for the client's"
                + " keys and encryption and the server's evaluation, 128-bit security; the server saw only ciphertexts and"
                + " evaluation keys)%n", agree, count, threads, threads > 1 ? "s" : "");
        out.printf(Locale.ROOT, "warm      the first evaluations above ran while the JIT compiled the kernels; once compiled the"
                + " server takes %s per image (median of %d more evaluations; `infer` measures many images)%n",
                ms((long) (warm * 1e9)), WARM_RUNS);
        out.printf(Locale.ROOT, "          the plan above predicted %.0f ms: ", plan.predictedSeconds() * 1e3);
        out.print(MachineLoad.explainPrediction(report.costModel(), threads, MachineLoad.now(), java.time.LocalDate.now()));
        return 0;
    }

    /** The MNIST test set found locally, else the embedded sample. */
    private static LabeledImages images(Network net, Options o) throws Exception {
        Dataset d;
        try {
            d = Dataset.byId(net.info().dataset());
        } catch (IllegalArgumentException e) {
            d = Dataset.MNIST;
        }
        DataLocator loc = DataLocator.builder(d).testSetOnly().dataDirectory(o.has("data") ? Path.of(o.get("data", "")) : null)
                .download(false).build();
        Optional<DataLocator.Location> where = loc.locateLocally();
        if (where.isPresent()) {
            return d.loadTestSet(where.get().directory());
        }
        if (d != Dataset.MNIST) {
            // the embedded sample is MNIST's: a CIFAR-10 model needs its own test set, and demo never downloads
            throw new UsageException(net.info().name() + " classifies " + d.displayName() + " images, and demo found no "
                    + d.displayName() + " test set: pass --data DIR with its files (" + String.join(", ", d.testFiles())
                    + ") or set " + DataLocator.ENV_VARIABLE + "=DIR (demo never downloads; infer --dataset " + d.id()
                    + " does)");
        }
        return Mnist.embeddedSample();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }
}
