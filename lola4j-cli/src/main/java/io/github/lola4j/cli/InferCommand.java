package io.github.lola4j.cli;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.format.Progress;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.PlanReport;
import io.github.lola4j.lola.PrecisionLedger;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * {@code infer}: encrypted predictions for test images, checked against the plaintext network:
 * accuracy, agreement, the largest score error, the server latency and the client's times and
 * traffic.
 */
final class InferCommand implements Command {


    /** Creates the command. */
    public InferCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("infer", "encrypted predictions for test images, against the plaintext ones")
                .synopsis("lola4j infer [--model NAME|PATH] [--count K] [--batch] [--data DIR] [--json] [options]")
                .description("Compiles the model, generates the client's keys (secret, public, and exactly the evaluation keys",
                        "the plan needs), then for each of K test images: encrypts it (client), evaluates the network on",
                        "the ciphertexts with the evaluation keys only (server), decrypts the scores (client), and",
                        "compares them with the plaintext network. Prints accuracy, agreement with the plaintext",
                        "predictions, the largest score error, the server latency (median, p90, and single-thread",
                        "median), the client's encryption and decryption times and the key and ciphertext sizes.")
                .option("model", "NAME|PATH", "a shipped model (" + String.join(", ", ModelRegistry.names())
                        + ") or a model file, lola4j or .onnx (default lola)")
                .option("count", "K", "how many test images (default 20)")
                .option("offset", "O", "the first test image (default 0)")
                .option("threads", "T", "threads evaluating (server), generating the keys and encrypting (client);",
                        "default: available processors (the keys and ciphertexts do not depend on it)")
                .option("warmup", "W", "untimed evaluations of the first image (the first batch in batch mode)",
                        "before the timed ones (default 10; 1 in batch mode): the JIT compiles the",
                        "kernels during the first few; the first one is reported as latency_cold_s")
                .flag("symmetric", "encrypt with the secret key: less noise, half the upload")
                .flag("no-range-check", "decrypt without refusing results beyond the plan's range (research on raw",
                        "values; by default such a result stops the run with exit code 4)")
                .flag("no-memory-check", "run even when the plan's memory estimate exceeds the heap that is left (by",
                        "default such a run stops before any key is generated, exit code 3, naming",
                        "the -Xmx it needs)")
                .option("data", "DIR", "folder with the MNIST files; default $LOLA4J_DATA, ~/.cache/lola4j, download")
                .option("dataset", "ID", "mnist, fashion-mnist or cifar10 (default: the model's); a deep-features head",
                        "(caltech101-head) runs on CalTech-101's test images: SqueezeNet 1.1 on the",
                        "client, in plaintext, then the head encrypted (docs/deep-features.md)")
                .flag("no-download", "fail instead of downloading missing data")
                .option("input", "dense|any", "dense: the client sends the plain image in one ciphertext and the server",
                        "converts it (LoLa-Dense); any (default): the layout the compiler finds cheapest")
                .flag("batch", "throughput mode (CryptoNets): one image per slot, as many images per",
                        "evaluation as slots; more images take several evaluations")
                .option("batch-size", "B", "batch mode with B images per evaluation")
                .flag("masked-output", "zero the output's other slots (partial sums) at the cost of one level")
                .option("pixel-scale", "S", "an .onnx model takes pixels times S (an ONNX file does not say; 1/255 for",
                        "PyTorch's ToTensor; default 1), or its client part with --encrypt-from")
                .option("encrypt-from", "NODE", "split an .onnx model: the client runs the nodes before NODE on each image",
                        "in plaintext (ReLU, max pooling, ...) and encrypts NODE's input; needs",
                        "--dataset, and --pixel-scale S when the model takes pixels times S (1/255",
                        "for PyTorch's ToTensor; default 1)")
                .option("ring-degree", "N,...", "the ring degrees the compiler may choose from")
                .option("max-input-ciphertexts", "N", "the most ciphertexts the client may send (default 1024; the",
                        "convolution representation needs one per kernel tap and output ciphertext, e.g. 768)")
                .option("plot", "FILE.png", "also draw the charts of the run (PNG, 800 x 1000 or 1500): the",
                        "predicted time of each step, a histogram of the measured latencies with the median and,",
                        "in latency mode, each step's log2 error and headroom measured on the first image (one more",
                        "evaluation); docs/lola.md, \"Charts\"")
                .flag("json", "end with one line of JSON: model, count, accuracy, agreement, max_abs_error,",
                        "latency_median_s, latency_p90_s, latency_mean_s, latency_stddev_s,",
                        "latency_single_thread_median_s,",
                        "encrypt_s, decrypt_s, evaluation_key_bytes, input_ciphertext_bytes,",
                        "output_ciphertext_bytes, rotations, ring_degree, security_bits,",
                        "images_per_second, batch_seconds (batch mode; there the latencies are",
                        "per evaluation of a batch), predicted_error and calibration_margin (the",
                        "compiler's noise model and the margin it must stay below),",
                        "smallest_plaintext_margin, disagreements (each image whose encrypted",
                        "prediction differs, with its plaintext top-two gap, its error and the",
                        "model's bound for that image), above_predicted_error (each image whose",
                        "error exceeds predicted_error, with its own bound: the figure is for",
                        "inputs like the first calibration inputs) and above_own_predicted_error",
                        "(how many exceed their own bound: the noise model failed), ...")
                .footer("Progress goes to standard error. exit code: 0 on success (whatever the agreement), 2 on a usage",
                        "error, 3 when the model or the data cannot be read, the model cannot fit, or the plan cannot fit",
                        "the heap.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        try (HeapWatch heap = new HeapWatch()) {
            return run(o, heap, out, err);
        } catch (MemoryPreflight.InsufficientMemoryException e) {
            // a refusal, not a failure: the message says what to do, a class name would only distract
            err.println("lola4j " + name() + ": " + e.getMessage());
            return 3;
        }
    }

    private int run(Options o, HeapWatch heap, PrintStream out, PrintStream err) throws Exception {
        String modelArg = o.get("model", "lola");
        int count = o.getInt("count", 20, 1, Integer.MAX_VALUE);
        int offset = o.getInt("offset", 0, 0, Integer.MAX_VALUE);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        int warmupGiven = o.has("warmup") ? o.getInt("warmup", 0, 0, 10_000) : -1;
        Network net;
        Path plot = o.has("plot") ? Path.of(o.get("plot", "")) : null;
        if (plot != null) {
            Charts.checkFolder(plot); // before minutes of work, not after
        }
        Samples test;
        if (o.has("encrypt-from")) {
            io.github.lola4j.onnx.OnnxModels.Split split = Models.split(modelArg, o.get("encrypt-from", ""));
            net = split.encryptedSuffix();
            test = Samples.split(o, split.clientPrefix(), err);
        } else {
            net = Models.load(modelArg, o);
            test = Samples.load(o, net, offset + count, threads, err);
        }
        String where = test.source();
        if ((long) offset + count > test.count()) {
            throw new UsageException("--offset " + offset + " --count " + count + " goes past the " + test.count() + " test images");
        }
        Plan plan = Lola.compile(net, Lola.options(net, o, test.calibration()), err);
        if (!o.has("no-memory-check")) {
            // Before any key: lola-cifar's keys and encoded weights took the default heap and died minutes later.
            MemoryPreflight.check(name(), net.info().name(), plan, threads, "--no-memory-check");
        }
        PlanReport report = plan.report();
        boolean batch = plan.isBatch();
        // A batch evaluation takes seconds: one untimed batch is enough for the JIT.
        int warmup = warmupGiven >= 0 ? warmupGiven : batch ? 1 : 10;
        try (Threads pool = Threads.of(threads)) {
            Parallelism par = pool.parallelism();
            SecureRandom rnd = new SecureRandom();
            long t0 = System.nanoTime();
            KeyGenerator kg = new KeyGenerator(plan.parameters(), rnd);
            SecretKey sk = kg.secretKey();
            PublicKey pk = kg.publicKey(sk);
            // on the pool, as keygen makes them: the keys do not depend on the thread count
            EvaluationKeys evk = kg.evaluationKeys(sk, plan.keyRequirements(), par, o.progress());
            double keygen = (System.nanoTime() - t0) / 1e9;
            CkksSerializer ser = new CkksSerializer(plan.parameters());
            // Serialized before the weights are encoded: the byte buffers (a few times the keys' size) are garbage by then.
            long keyBytes = ser.toBytes(evk).length;
            plan.prepare();
            boolean symmetric = o.has("symmetric");
            boolean rangeCheck = !o.has("no-range-check");
            List<Double> server = new ArrayList<>();
            List<Double> enc = new ArrayList<>();
            List<Double> dec = new ArrayList<>();
            int correct = 0;
            int plainCorrect = 0;
            int agree = 0;
            double maxErr = 0;
            // where encrypted and plaintext predictions differ: the image and its plaintext top-two gap
            List<Map<String, Object>> disagreements = new ArrayList<>();
            // images whose largest score error exceeds the plan's figure (the noise model on the first
            // calibration inputs), each with the model's bound for that image (computed only for them:
            // a twin run costs 0.03 s for lola, 0.3 s for lola-cifar)
            double reportBound = report.predictedError();
            List<Map<String, Object>> aboveBound = new ArrayList<>();
            int aboveOwnBound = 0;
            double smallestMargin = Double.POSITIVE_INFINITY;
            long inBytes = 0;
            long outBytes = 0;
            // The first evaluations run in the interpreter and the C1 compiler; timing them would mix
            // the JIT's warm-up into the server latency of the first images (measured: 200-400 ms
            // for the first ten lola evaluations, 65 ms once compiled).
            Double cold = null;
            // One round is one image in latency mode, one batch (image b in slot b) in batch mode;
            // more images than a batch holds take several evaluations.
            int perRound = batch ? plan.batchSize() : 1;
            if (warmup > 0) {
                EncryptedTensor first;
                if (batch) {
                    List<double[]> xs = new ArrayList<>();
                    for (int b = 0; b < Math.min(perRound, count); b++) {
                        xs.add(test.input(offset + b));
                    }
                    first = plan.clientPlan().encryptBatch(xs, pk, rnd, par, o.progress());
                } else {
                    first = plan.clientPlan().encryptInput(test.input(offset), pk, rnd, par, Progress.none());
                }
                cold = Lola.evaluationSeconds(plan, first, evk, par, warmup, batch ? o.progress() : Progress.none()).get(0);
            }
            // one bar over the images in latency mode; a batch's encryption and evaluation report their own
            Progress images = batch ? Progress.none() : o.progress();
            images.start("classifying", count);
            double loadBefore = MachineLoad.now();
            for (int k = 0; k < count; k += perRound) {
                int m = Math.min(perRound, count - k);
                List<double[]> xs = new ArrayList<>(m);
                for (int b = 0; b < m; b++) {
                    xs.add(test.input(offset + k + b));
                }
                long a = System.nanoTime();
                // a batch's encryption and evaluation take seconds each: they report their own progress
                Progress inner = batch ? o.progress() : Progress.none();
                // on the pool too (the ciphertexts are those of one thread): the encryption times below
                // are those of --threads threads
                EncryptedTensor ex = batch ? (symmetric ? plan.clientPlan().encryptBatch(xs, sk, rnd, par, inner)
                        : plan.clientPlan().encryptBatch(xs, pk, rnd, par, inner))
                        : symmetric ? plan.clientPlan().encryptInput(xs.get(0), sk, rnd, par, inner)
                        : plan.clientPlan().encryptInput(xs.get(0), pk, rnd, par, inner);
                long b0 = System.nanoTime();
                EncryptedTensor ey = plan.evaluate(ex, evk, par, inner);
                long c = System.nanoTime();
                double[][] scores = rangeCheck
                        ? (batch ? plan.clientPlan().decryptBatch(ey, sk, m) : new double[][] {plan.clientPlan().decryptOutput(ey, sk)})
                        : (batch ? plan.clientPlan().decryptBatchUnchecked(ey, sk, m)
                                : new double[][] {plan.clientPlan().decryptOutputUnchecked(ey, sk)});
                long d = System.nanoTime();
                enc.add((b0 - a) / 1e9);
                server.add((c - b0) / 1e9);
                dec.add((d - c) / 1e9);
                if (k == 0) {
                    for (var ct : ex.ciphertexts()) {
                        inBytes += ser.toBytes(ct).length;
                    }
                    for (var ct : ey.ciphertexts()) {
                        outBytes += ser.toBytes(ct).length;
                    }
                }
                double batchOwn = Double.NaN;
                for (int b = 0; b < m; b++) {
                    double[] plain = net.forward(xs.get(b));
                    int label = test.label(offset + k + b);
                    int p = Tensor.argmax(scores[b]);
                    int q = Tensor.argmax(plain);
                    correct += p == label ? 1 : 0;
                    plainCorrect += q == label ? 1 : 0;
                    agree += p == q ? 1 : 0;
                    double gap = Tensor.topTwoGap(plain);
                    smallestMargin = Math.min(smallestMargin, gap);
                    double imageErr = 0;
                    for (int v = 0; v < plain.length; v++) {
                        imageErr = Math.max(imageErr, Math.abs(plain[v] - scores[b][v]));
                    }
                    maxErr = Math.max(maxErr, imageErr);
                    boolean above = Double.isFinite(reportBound) && imageErr > reportBound;
                    double own = Double.NaN;
                    if ((above || p != q) && Double.isFinite(reportBound)) {
                        // a batch's bound covers its images together (the whole batch's values): once per batch
                        if (batch && Double.isNaN(batchOwn)) {
                            batchOwn = batchBound(plan, xs);
                        }
                        own = batch ? batchOwn : plan.predictedError(xs.get(b));
                    }
                    if (above) {
                        aboveOwnBound += imageErr > own ? 1 : 0;
                        if (aboveBound.size() < 1000) {
                            Map<String, Object> aj = new LinkedHashMap<>();
                            aj.put("image", offset + k + b);
                            aj.put("error", imageErr);
                            aj.put("predicted_error", own);
                            aboveBound.add(aj);
                        }
                    }
                    if (p != q && disagreements.size() < 1000) {
                        Map<String, Object> dj = new LinkedHashMap<>();
                        dj.put("image", offset + k + b);
                        dj.put("plaintext_margin", gap);
                        dj.put("error", imageErr);
                        dj.put("predicted_error", Double.isFinite(own) ? own : null);
                        disagreements.add(dj);
                    }
                }
                images.advance(m);
            }
            images.done();
            double serverTotal = 0;
            for (double t : server) {
                serverTotal += t;
            }
            Double single;
            if (threads == 1) {
                single = Stats.quantile(server, 0.5);
            } else if (batch) {
                single = null; // a batch takes seconds; re-running it on one thread would double the run
            } else {
                // The first image encrypted again rather than kept through the run: lola-cifar's input
                // is about 0.6 GiB, and the default heap has no room for a second one.
                EncryptedTensor again = symmetric
                        ? plan.clientPlan().encryptInput(test.input(offset), sk, rnd, par, Progress.none())
                        : plan.clientPlan().encryptInput(test.input(offset), pk, rnd, par, Progress.none());
                single = Stats.quantile(Lola.evaluationSeconds(plan, again, evk, Parallelism.sequential(), Math.min(3, count)), 0.5);
            }
            out.printf(Locale.ROOT, "model     %s, %d test images from %d (%s)%n", net.info().name(), count, offset, where);
            out.printf(Locale.ROOT, "CKKS      N = %d, depth %d, %d-bit security, %d rotation keys (%s), %s%n", report.ringDegree(),
                    report.depth(), report.securityBits(), report.rotationSteps().size(), Lola.bytes(keyBytes),
                    symmetric ? "secret-key encryption" : "public-key encryption");
            out.printf(Locale.ROOT, "accuracy  %.2f %% encrypted, %.2f %% plaintext%n", 100.0 * correct / count, 100.0 * plainCorrect / count);
            out.printf(Locale.ROOT, "agreement %d / %d encrypted predictions equal the plaintext ones; largest score error %.3g%n",
                    agree, count, maxErr);
            if (batch) {
                out.printf(Locale.ROOT, "server    %d evaluations of up to %d images: %.1f images/s; %.2f s median per evaluation"
                        + " (%d threads); predicted %.2f s%n", server.size(), perRound, count / serverTotal,
                        Stats.quantile(server, 0.5), threads, plan.predictedSeconds());
            } else {
                out.printf(Locale.ROOT, "server    %.3f s median, %.3f s p90 (%d threads); %.3f s median on one thread;"
                        + " predicted %.3f s%n", Stats.quantile(server, 0.5), Stats.quantile(server, 0.9), threads, single,
                        plan.predictedSeconds());
            }
            // the load after the timed runs: the 1-minute average covers the end of the run, the start was sampled before
            double load = Math.max(loadBefore, MachineLoad.now());
            out.print(MachineLoad.explainPrediction(report.costModel(), threads, load, java.time.LocalDate.now()));
            if (cold != null) {
                out.printf(Locale.ROOT, "          first evaluation %.3f s (the first of %d untimed warm-up evaluations%s)%n", cold,
                        warmup, batch ? " of the first batch" : "");
            }
            // keys and encryption ran on the pool, decryption on the calling thread: say so, as the server's line does
            out.printf(Locale.ROOT, "client    keys %.2f s, encrypt %.3f s, decrypt %.4f s (medians per %s; keys and"
                    + " encryption on %d thread%s)%n", keygen, Stats.quantile(enc, 0.5), Stats.quantile(dec, 0.5),
                    batch ? "batch" : "image", threads, threads > 1 ? "s" : "");
            // the tensor stream's sizes (what a file or an upload holds), naming the encryption used and giving the other
            ClientPlan cpl = plan.clientPlan();
            out.printf(Locale.ROOT, "traffic   evaluation keys %s once; per %s %s up (%d ciphertexts, %s encryption; %s with"
                    + " %s), %s down%n", Lola.bytes(keyBytes), batch ? "batch of up to " + perRound + " images" : "image",
                    Lola.bytes(cpl.inputBytes(symmetric)), plan.inputRepresentation().ciphertexts(),
                    symmetric ? "secret-key" : "public-key", Lola.bytes(cpl.inputBytes(!symmetric)),
                    symmetric ? "public-key encryption" : "--symmetric", Lola.bytes(cpl.outputBytes()));
            if (plot != null) {
                double[] ms = new double[server.size()];
                for (int k = 0; k < ms.length; k++) {
                    ms[k] = server.get(k) * 1e3;
                }
                if (batch) {
                    Charts.inferChart(report, ms, plot);
                } else {
                    // one more evaluation, of the first image, step by step against the plaintext network
                    PrecisionLedger ledger = PrecisionLedger.measure(plan, test.input(offset), sk, evk, rnd, par);
                    Charts.inferChart(report, ms, ledger, plot);
                }
                out.println("chart     " + plot + " (predicted time per step, latency histogram"
                        + (batch ? ")" : ", precision per step of image " + offset + ")"));
            }
            long heapLive = heap.peakLiveBytes();
            out.printf(Locale.ROOT, "memory    heap after garbage collections at most %s (live data and what they left;"
                    + " heap limit %s); the plan estimates %s for the evaluation%n", Lola.bytes(heapLive), Lola.bytes(Runtime.getRuntime().maxMemory()),
                    Lola.bytes(report.peakMemoryBytes()));
            if (o.has("json")) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", modelArg);
                j.put("name", net.info().name());
                j.put("count", count);
                j.put("offset", offset);
                j.put("accuracy", (double) correct / count);
                j.put("plaintext_accuracy", (double) plainCorrect / count);
                j.put("agreement", (double) agree / count);
                j.put("max_abs_error", maxErr);
                j.put("predicted_error", Double.isFinite(report.predictedError()) ? report.predictedError() : null);
                j.put("calibration_margin", Double.isFinite(report.calibrationMargin()) ? report.calibrationMargin() : null);
                j.put("smallest_plaintext_margin", smallestMargin);
                j.put("disagreements", disagreements);
                j.put("above_predicted_error", aboveBound);
                j.put("above_own_predicted_error", aboveOwnBound);
                j.put("latency_median_s", Stats.quantile(server, 0.5));
                j.put("latency_p90_s", Stats.quantile(server, 0.9));
                DescriptiveStatistics d = Stats.describe(server);
                j.put("latency_mean_s", server.isEmpty() ? null : d.getMean());
                j.put("latency_stddev_s", server.size() < 2 ? null : d.getStandardDeviation());
                j.put("latency_single_thread_median_s", single);
                j.put("latency_cold_s", cold);
                j.put("batch", batch);
                j.put("batch_size", batch ? perRound : 1);
                j.put("evaluations", server.size());
                j.put("batch_seconds", batch ? Stats.quantile(server, 0.5) : null);
                j.put("images_per_second", count / serverTotal);
                j.put("warmup", warmup);
                j.put("predicted_latency_s", plan.predictedSeconds());
                j.put("cost_table", report.costModel());
                j.put("load_average", load >= 0 ? load : null);
                j.put("busy", MachineLoad.busy(load));
                j.put("threads", threads);
                j.put("encrypt_s", Stats.quantile(enc, 0.5));
                j.put("decrypt_s", Stats.quantile(dec, 0.5));
                j.put("keygen_s", keygen);
                j.put("evaluation_key_bytes", keyBytes);
                j.put("input_ciphertext_bytes", inBytes);
                j.put("input_bytes", plan.clientPlan().inputBytes(false));
                j.put("input_bytes_seeded", plan.clientPlan().inputBytes(true));
                j.put("output_ciphertext_bytes", outBytes);
                j.put("input_ciphertexts", plan.inputRepresentation().ciphertexts());
                j.put("rotations", report.rotations());
                j.put("rotation_keys", report.rotationSteps().size());
                j.put("ring_degree", report.ringDegree());
                j.put("depth", report.depth());
                j.put("security_bits", report.securityBits());
                j.put("symmetric", symmetric);
                j.put("heap_live_peak_bytes", heapLive);
                j.put("predicted_peak_memory_bytes", report.peakMemoryBytes());
                out.println(Json.write(j));
            }
        }
        return 0;
    }
    /** The noise model's bound for a batch plan's evaluation of these images (laid out as the batch encrypts them). */
    private static double batchBound(Plan plan, List<double[]> xs) {
        int size = xs.get(0).length;
        double[] all = new double[plan.batchSize() * size];
        for (int b = 0; b < xs.size(); b++) {
            System.arraycopy(xs.get(b), 0, all, b * size, size);
        }
        return plan.predictedError(all);
    }

}
