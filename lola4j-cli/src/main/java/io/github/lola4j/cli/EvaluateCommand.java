package io.github.lola4j.cli;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.ring.Parallelism;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code evaluate}: the server's step. It takes the plan, the evaluation keys and a tensor file,
 * and accepts no secret key: there is no option for one.
 */
final class EvaluateCommand implements Command {

    @Override
    public Spec spec() {
        return Spec.of("evaluate", "pipeline step 3 (server): encrypted tensors in, encrypted results out; no secret key")
                .synopsis("lola4j evaluate --plan FILE --evaluation-keys FILE --in FILE --out FILE [--threads T]")
                .description("Evaluates the plan's network on each tensor of the input file with the client's evaluation keys",
                        "and writes the encrypted results, in the same order, for lola4j decrypt. It never sees a secret",
                        "key or a plaintext.")
                .option("plan", "FILE", "the plan file (lola4j plan --out): the server's plan, with the weights")
                .option("evaluation-keys", "FILE", "the client's evaluation keys (lola4j keygen)")
                .option("in", "FILE", "the encrypted tensors (lola4j encrypt)")
                .option("out", "FILE", "the encrypted results (replaced whole, or not at all on a failure)")
                .option("threads", "T", "evaluation threads (default: available processors)")
                .footer("exit code: 0, 2 on a usage error, 3 when a file cannot be read (a tensor of another plan, keys of",
                        "other parameters, a corrupt file: the message names it) or written.");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        Plan plan = Pipeline.serverPlan(Pipeline.required(o, "plan"));
        Path inFile = Pipeline.required(o, "in");
        Path target = Pipeline.required(o, "out");
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        ClientPlan cp = plan.clientPlan();
        List<EncryptedTensor> results;
        long t0;
        try (Threads pool = Threads.of(threads)) {
            // the seeded keys' and ciphertexts' expansions are most of the reading: spread over the threads too
            EvaluationKeys evk = Pipeline.readEvaluationKeys(Pipeline.required(o, "evaluation-keys"), plan, pool.parallelism());
            List<EncryptedTensor> inputs = readAll(inFile, cp, true, pool.parallelism());
            plan.prepare(); // nothing to do for a prepared plan (plan --prepared)
            results = new ArrayList<>(inputs.size());
            t0 = System.nanoTime();
            o.progress().start("evaluating", inputs.size());
            for (EncryptedTensor x : inputs) {
                results.add(plan.evaluate(x, evk, pool.parallelism()));
                o.progress().advance(1);
            }
        } finally {
            o.progress().done();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Pipeline.writeAtomically(target, true, "--out", false, s -> {
            for (EncryptedTensor y : results) {
                cp.writeTensor(s, y);
            }
        });
        out.printf(Locale.ROOT, "evaluated %d tensor%s in %.2f s (%d thread%s): %s, %s%n", results.size(),
                results.size() > 1 ? "s" : "", seconds, threads, threads > 1 ? "s" : "", target, Lola.bytes(Files.size(target)));
        return 0;
    }

    /**
     * Every tensor of a file, in order: inputs (checked as fresh encryptions of this plan) or
     * results. An empty file is an error: a pipeline that lost its data must not succeed.
     */
    static List<EncryptedTensor> readAll(Path file, ClientPlan plan, boolean inputs) throws IOException {
        return readAll(file, plan, inputs, Parallelism.sequential());
    }

    /** {@link #readAll(Path, ClientPlan, boolean)}, an input's ciphertexts decoded on the given threads. */
    static List<EncryptedTensor> readAll(Path file, ClientPlan plan, boolean inputs, Parallelism parallelism) throws IOException {
        List<EncryptedTensor> all = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            while (true) {
                in.mark(1);
                if (in.read() < 0) {
                    break;
                }
                in.reset();
                try {
                    all.add(inputs ? plan.readInput(in, parallelism) : plan.readOutput(in));
                } catch (IOException e) {
                    throw new IOException(file + ", tensor " + (all.size() + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        if (all.isEmpty()) {
            throw new IOException(file + ": no tensors (an empty file)");
        }
        return all;
    }
}
