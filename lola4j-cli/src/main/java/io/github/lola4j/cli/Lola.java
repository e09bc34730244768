package io.github.lola4j.cli;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.data.CalibrationInputs;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.InputLayout;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What the encrypted-inference commands share: compiling a model the same way each time, and formatting. */
final class Lola {

    private Lola() {
    }

    /**
     * The calibration inputs of the library's policy ({@link CalibrationInputs}: the embedded MNIST
     * sample for a network of 28x28 images, else the first 100 local test images of the model's
     * data set, else none, never a download), with the test set looked for where {@code --data}
     * and {@code --dataset} say.
     */
    static List<double[]> calibration(Network net, Options o) {
        Dataset d;
        try {
            d = Dataset.byId(o.given("dataset") ? o.get("dataset", "") : net.info().dataset());
        } catch (IllegalArgumentException e) {
            // a data set lola4j reads no images of (a deep-features head's): the policy's other steps
            return CalibrationInputs.of(net).inputs();
        }
        return CalibrationInputs.of(net, DataLocator.builder(d).testSetOnly()
                .dataDirectory(o.given("data") ? Path.of(o.get("data", "")) : null).download(false).build()).inputs();
    }

    /** Compile options from the shared command-line options. */
    static CompileOptions options(Network net, Options o) {
        return options(net, o, calibration(net, o));
    }

    /** Compile options from the shared command-line options, calibrated on the given inputs (none: synthetic). */
    static CompileOptions options(Network net, Options o, List<double[]> cal) {
        CompileOptions opt = o.given("batch") || o.given("batch-size") ? CompileOptions.batch()
                : CompileOptions.lowLatency();
        if (o.given("batch-size")) {
            opt = opt.withBatchSize(o.getInt("batch-size", 1, 1, 1 << 20));
        }
        if (o.given("input")) {
            String layout = o.get("input", "");
            if (layout.equals("dense")) {
                opt = opt.withInput(InputLayout.DENSE);
            } else if (!layout.equals("any")) {
                throw new UsageException("option --input expects dense or any, got '" + layout + "'");
            }
            if (layout.equals("dense") && opt.isBatch()) {
                throw new UsageException("--input dense is a latency-mode layout (one image in one ciphertext); it does not"
                        + " combine with --batch");
            }
        }
        if (o.given("max-input-ciphertexts")) {
            opt = opt.withMaxInputCiphertexts(o.getInt("max-input-ciphertexts", 64, 1, 1 << 16));
        }
        opt = opt.withCalibration(cal); // none: the compiler's synthetic inputs
        opt = opt.withProgress(o.progress());
        if (o.given("masked-output")) {
            opt = opt.withMaskedOutput();
        }
        if (o.given("ring-degree")) {
            try {
                int[] n = Arrays.stream(o.get("ring-degree", "").split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
                opt = opt.withRingDegrees(n);
            } catch (NumberFormatException e) {
                throw new UsageException("option --ring-degree expects powers of two separated by commas, got '"
                        + o.get("ring-degree", "") + "'");
            } catch (IllegalArgumentException e) {
                throw new UsageException("option --ring-degree: " + e.getMessage());
            }
        }
        return opt;
    }

    /** Compiles, reporting the time on err. */
    static Plan compile(Network net, Options o, java.io.PrintStream err) {
        return compile(net, options(net, o), err);
    }

    /** Compiles with the given options, reporting the time on err. */
    static Plan compile(Network net, CompileOptions options, java.io.PrintStream err) {
        long t0 = System.nanoTime();
        Plan plan = LolaCompiler.compile(net, options);
        err.printf(Locale.ROOT, "compiled %s in %.2f s%n", net.info().name(), (System.nanoTime() - t0) / 1e9);
        return plan;
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }

    /** The server's time, in seconds, of each of runs evaluations of x. */
    static List<Double> evaluationSeconds(Plan plan, EncryptedTensor x, EvaluationKeys evk, Parallelism par, int runs) {
        return evaluationSeconds(plan, x, evk, par, runs, io.github.lola4j.format.Progress.none());
    }

    /** The same, each evaluation reporting its steps (a batch's take seconds each). */
    static List<Double> evaluationSeconds(Plan plan, EncryptedTensor x, EvaluationKeys evk, Parallelism par, int runs,
            io.github.lola4j.format.Progress progress) {
        List<Double> t = new ArrayList<>(runs);
        for (int r = 0; r < runs; r++) {
            long a = System.nanoTime();
            plan.evaluate(x, evk, par, progress);
            t.add((System.nanoTime() - a) / 1e9);
        }
        return t;
    }
}
