package io.github.lola4j.cli;

import io.github.lola4j.lola.Plan;
import io.github.lola4j.lola.PlanReport;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code plan}: compiles a model and prints its plan report (representations, kernels, levels,
 * rotations, parameters, key set and sizes, predicted latency) before any key exists.
 */
final class PlanCommand implements Command {


    /** Creates the command. */
    public PlanCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("plan", "compile a model for encrypted inference and print the plan, before any key exists")
                .synopsis("lola4j plan [--model NAME|PATH] [--batch] [--out FILE] [--json] [options]",
                        "lola4j plan --model FILE.onnx --encrypt-from NODE [--client-part FILE.onnx] [...]")
                .description("Compiles a trained model into an encrypted-inference plan and prints its report: per step the",
                        "layers, the kernel, the message representations in and out, the levels, rotations and products",
                        "and the predicted time; in total the 128-bit CKKS parameters, the exact rotation keys and their",
                        "size, the input and output ciphertext sizes, the predicted latency and peak memory (encoded",
                        "weights, keys and working set; infer and demo refuse a plan whose estimate exceeds the heap).")
                .option("model", "NAME|PATH", "a shipped model (" + String.join(", ", ModelRegistry.names())
                        + ") or a model file, lola4j or .onnx (default lola)")
                .flag("masked-output", "zero the output's other slots (partial sums) at the cost of one level")
                .option("input", "dense|any", "dense: the image in one ciphertext, converted by the server (LoLa-Dense)")
                .flag("batch", "throughput mode: one image per slot (CryptoNets); --batch-size B sets B")
                .option("batch-size", "B", "batch mode with B images per evaluation (default: one per slot)")
                .option("ring-degree", "N,...", "the ring degrees to consider (default 8192,16384,32768)")
                .option("max-input-ciphertexts", "N", "the most ciphertexts the client may send (default 1024; the",
                        "convolution representation needs one per kernel tap and output ciphertext, e.g. 768)")
                .option("out", "FILE", "also write the compiled plan (model included) for serve --models FILE")
                .flag("prepared", "with --out, write the weights encoded too: evaluate and serve then start without",
                        "encoding them (0.3-0.8 s less per process for lola), for a file as large as the encodings")
                .option("client-plan", "FILE", "also write the client's plan (parameters, layouts, keys needed; no weights) for",
                        "keygen, encrypt and decrypt")
                .option("encrypt-from", "NODE", "split an .onnx model: the client runs the nodes before NODE in plaintext",
                        "(ReLU, max pooling, branches...) and encrypts NODE's input; the rest is",
                        "planned. NODE may also name the value the client encrypts")
                .option("client-part", "FILE", "with --encrypt-from, write the client's part as an ONNX model")
                .option("pixel-scale", "S", "an .onnx model takes pixels times S (1/255 for PyTorch's ToTensor; default 1),",
                        "or its client part with --encrypt-from (--out records it with the part)")
                .calibrationData()
                .option("plot", "FILE.png", "also draw the predicted time of each step as a bar chart (PNG, 800 x 500;",
                        "docs/lola.md, \"Charts\")")
                .flag("json", "end with one line of JSON: the whole report (snake_case keys)")
                .footer("Value ranges are calibrated on the 100 MNIST test images embedded in the jar for 28x28 models,",
                        "else on the first 100 test images of the model's data set when found locally (--data DIR,",
                        "$LOLA4J_DATA or the cache; --dataset ID overrides the model's), else on synthetic inputs; with",
                        "--encrypt-from, on the client part's outputs for 16 synthetic inputs in [0, 1).",
                        "exit code: 0, 2 on a usage error, 3 when the model cannot fit.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (o.has("prepared") && !o.has("out")) {
            throw new UsageException("--prepared goes with --out FILE (it says how to write that file)");
        }
        Path plot = o.has("plot") ? Path.of(o.get("plot", "")) : null;
        if (plot != null) {
            Charts.checkFolder(plot); // before a compile of up to a minute, not after it
        }
        Network net;
        Plan plan;
        if (o.has("encrypt-from")) {
            io.github.lola4j.onnx.OnnxModels.Split split = Models.split(o.get("model", ""), o.get("encrypt-from", ""));
            net = split.encryptedSuffix();
            err.printf(java.util.Locale.ROOT, "client    %d nodes in plaintext, %s %s -> %s %s (encrypted)%n",
                    split.clientPrefix().nodeCount(), split.clientPrefix().inputName(),
                    java.util.Arrays.toString(split.clientPrefix().inputDims()), split.clientPrefix().outputName(),
                    java.util.Arrays.toString(split.clientPrefix().outputDims()));
            plan = Models.splitPlan(split, o, err);
            if (o.has("client-part")) {
                Models.writeClientPart(split.clientPrefix(), java.nio.file.Path.of(o.get("client-part", "")), err);
            }
        } else {
            if (o.has("client-part")) {
                throw new UsageException("--client-part goes with --encrypt-from");
            }
            net = Models.load(o.get("model", "lola"), o);
            // a deep-features head is calibrated on training images' features, as infer and demo calibrate it
            plan = Samples.isDeepFeaturesHead(net)
                    ? Lola.compile(net, Lola.options(net, o, Samples.load(o, net, 1, Runtime.getRuntime().availableProcessors(),
                            err).calibration()), err)
                    : Lola.compile(net, o, err);
        }
        PlanReport report = plan.report();
        out.print(report);
        if (plot != null) {
            Charts.planChart(report, plot);
            out.println("chart     " + plot + " (predicted time per step)");
        }
        // The report's peak memory is the server's estimate; infer and demo check the client's share too.
        Plan.MemoryEstimate m = plan.memoryEstimate();
        out.printf(java.util.Locale.ROOT, "memory    %s = encoded weights %s + keys %s + working set %s; infer and demo (client"
                + " and server in one JVM) about %s, checked against the heap before any key is made%n",
                Lola.bytes(m.total()), Lola.bytes(m.encodedWeights()), Lola.bytes(m.evaluationKeys()), Lola.bytes(m.workingSet()),
                Lola.bytes(plan.runMemoryBytes(Runtime.getRuntime().availableProcessors())));
        if (o.has("out")) {
            java.nio.file.Path file = java.nio.file.Path.of(o.get("out", ""));
            boolean prepared = o.has("prepared");
            Pipeline.writeAtomically(file, true, "--out", false, prepared ? plan::writePrepared : plan::write);
            err.println((prepared ? "prepared plan" : "plan") + " written to " + file + " (" + Lola.bytes(java.nio.file.Files.size(file))
                    + "; serve --models " + file + " hosts it without compiling" + (prepared ? " or encoding" : "") + ")");
        }
        if (o.has("client-plan")) {
            java.nio.file.Path file = java.nio.file.Path.of(o.get("client-plan", ""));
            Pipeline.writeAtomically(file, true, "--client-plan", false, s -> plan.clientPlan().write(s));
            err.println("client plan written to " + file + " (" + Lola.bytes(java.nio.file.Files.size(file)) + "; for keygen,"
                    + " encrypt and decrypt: no weights)");
        }
        if (o.has("json")) {
            out.println(Json.write(report));
        }
        return 0;
    }
}
