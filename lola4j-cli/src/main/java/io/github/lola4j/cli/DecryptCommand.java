package io.github.lola4j.cli;

import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code decrypt}: the client's last step. Results out as CSV (or JSON): per image its index,
 * the predicted class and the scores. A result that does not decrypt to values a correct
 * evaluation can give is refused (exit code 4), never printed as a prediction.
 */
final class DecryptCommand implements Command {

    @Override
    public Spec spec() {
        return Spec.of("decrypt", "pipeline step 4 (client): encrypted results to predictions and scores")
                .synopsis("lola4j decrypt --plan FILE --secret-key FILE --in FILE [--out FILE] [--count N]",
                        "lola4j decrypt --plan FILE --secret-key FILE --in-dir DIR [--out FILE] [--count N]")
                .description("Decrypts each result of lola4j evaluate with the secret key and writes, per image in the order",
                        "they were encrypted, its index, the predicted class and the scores: CSV (index,prediction,score_0,...),",
                        "or JSON when --out ends in .json. Without --out, the CSV goes to standard output.")
                .option("plan", "FILE", "the plan file or client plan file encrypt used")
                .option("secret-key", "FILE", "the secret key of lola4j keygen (mode 600)")
                .option("in", "FILE", "the encrypted results (lola4j evaluate)")
                .option("in-dir", "DIR", "instead of --in: a folder of result files named as encrypt --out-dir named the",
                        "inputs (the Spark job's output), read in name order; a missing or extra file is refused")
                .option("out", "FILE", "where the predictions go: .json for JSON, else CSV (default: standard output)")
                .option("count", "N", "how many images were encrypted: checked against the results, needed only for results of",
                        "batch plans written by an earlier release (they do not record it)")
                .footer("exit code: 0, 2 on a usage error, 3 when a file cannot be read or written, 4 when a result does not",
                        "decrypt to values a correct evaluation can give (other keys, corrupted, overflowed).");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        ClientPlan plan = Pipeline.clientPlan(Pipeline.required(o, "plan"));
        SecretKey sk = Pipeline.readSecretKey(Pipeline.required(o, "secret-key"), plan);
        if (o.has("in") == o.has("in-dir")) {
            throw new UsageException("give either --in FILE or --in-dir DIR");
        }
        List<EncryptedTensor> results = o.has("in") ? EvaluateCommand.readAll(Path.of(o.get("in", "")), plan, false)
                : readDirectory(Path.of(o.get("in-dir", "")), plan);
        List<double[]> scores = new ArrayList<>();
        if (plan.isBatch()) {
            // each tensor records how many images it holds; --count is for tensors of earlier releases, which do not
            int total = 0;
            boolean known = true;
            for (EncryptedTensor y : results) {
                known &= y.images().isPresent();
                total += y.images().orElse(0);
            }
            int per = plan.batchSize();
            if (known) {
                if (o.has("count") && o.getInt("count", 1, 1, Integer.MAX_VALUE) != total) {
                    throw new UsageException("--count " + o.get("count", "") + " but the results hold " + total + " images");
                }
                for (EncryptedTensor y : results) {
                    scores.addAll(java.util.Arrays.asList(plan.decryptBatch(y, sk)));
                }
            } else {
                long most = (long) results.size() * per;
                if (!o.has("count")) {
                    throw new UsageException("these results do not record how many images they hold (written by an earlier"
                            + " release): pass --count N, the number of images encrypted");
                }
                int count = o.getInt("count", 1, 1, Integer.MAX_VALUE);
                if (count > most || count <= most - per) {
                    throw new UsageException(String.format(Locale.ROOT, "--count %d does not fit %d results of up to %d images"
                            + " (between %d and %d)", count, results.size(), per, most - per + 1, most));
                }
                for (int b = 0; b < results.size(); b++) {
                    int m = (int) Math.min(per, count - (long) b * per);
                    scores.addAll(java.util.Arrays.asList(plan.decryptBatch(results.get(b), sk, m)));
                }
            }
        } else {
            if (o.has("count") && o.getInt("count", 1, 1, Integer.MAX_VALUE) != results.size()) {
                throw new UsageException("--count " + o.get("count", "") + " but the file holds " + results.size() + " results");
            }
            for (EncryptedTensor y : results) {
                scores.add(plan.decryptOutput(y, sk));
            }
        }
        String text;
        Path target = o.has("out") ? Path.of(o.get("out", "")) : null;
        if (target != null && target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < scores.size(); i++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("index", i);
                r.put("prediction", argmax(scores.get(i)));
                r.put("scores", scores.get(i));
                rows.add(r);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("model", plan.modelName());
            doc.put("images", rows);
            text = Json.write(doc) + "\n";
        } else {
            StringBuilder b = new StringBuilder("index,prediction");
            for (int c = 0; c < plan.outputSize(); c++) {
                b.append(",score_").append(c);
            }
            b.append('\n');
            for (int i = 0; i < scores.size(); i++) {
                b.append(i).append(',').append(argmax(scores.get(i)));
                for (double v : scores.get(i)) {
                    // the shortest text that reads back as the same double
                    b.append(',').append(v);
                }
                b.append('\n');
            }
            text = b.toString();
        }
        if (target == null) {
            out.print(text);
        } else {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Pipeline.writeAtomically(target, true, "--out", false, s -> s.write(bytes));
            err.printf(Locale.ROOT, "decrypted %d image%s: %s%n", scores.size(), scores.size() > 1 ? "s" : "", target);
        }
        return 0;
    }

    /** The results of a directory of result files, one tensor a file, in input order. */
    private static List<EncryptedTensor> readDirectory(Path dir, ClientPlan plan) throws java.io.IOException {
        List<EncryptedTensor> results = new ArrayList<>();
        for (Path file : TensorDirectory.list(dir, "--in-dir")) {
            List<EncryptedTensor> in = EvaluateCommand.readAll(file, plan, false);
            if (in.size() != 1) {
                throw new java.io.IOException(file + ": " + in.size() + " tensors; a result file holds one");
            }
            results.add(in.get(0));
        }
        return results;
    }

    /** The first index of the largest score, as the network's prediction is defined. */
    static int argmax(double[] s) {
        int best = 0;
        for (int i = 1; i < s.length; i++) {
            if (s[i] > s[best]) {
                best = i;
            }
        }
        return best;
    }
}
