package io.github.lola4j.cli;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.InputLayout;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What the encrypted-inference commands share: compiling a model the same way each time, and formatting. */
final class Lola {

    private Lola() {
    }

    /** How many test images calibrate a network that is not of MNIST's shape. */
    static final int CALIBRATION_IMAGES = 100;

    /**
     * The calibration inputs: the 100 MNIST images embedded in the jar for a network of 28x28
     * images (so that demo, plan and infer compile the identical plan, with or without data); for
     * other networks (CIFAR-10) the first 100 test images of the model's data set when they are
     * found locally ({@code --data}, {@code LOLA4J_DATA}, the cache; never a download), so that
     * the value ranges are those of real images; none (synthetic inputs) otherwise.
     */
    static List<double[]> calibration(Network net, Options o) {
        LabeledImages sample = Mnist.embeddedSample();
        if (!net.fits(sample)) {
            sample = localTestImages(net, o);
            if (sample == null) {
                return List.of();
            }
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(CALIBRATION_IMAGES, sample.count()); i++) {
            out.add(net.input(sample, i));
        }
        return out;
    }

    private static LabeledImages localTestImages(Network net, Options o) {
        try {
            Dataset d = Dataset.byId(o.get("dataset", net.info().dataset()));
            var where = DataLocator.builder(d).testSetOnly().dataDirectory(o.given("data") ? Path.of(o.get("data", "")) : null)
                    .download(false).build().locateLocally();
            if (where.isEmpty()) {
                return null;
            }
            LabeledImages test = d.loadTestSet(where.get().directory());
            return net.fits(test) ? test : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
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
        if (!cal.isEmpty()) {
            opt = opt.withCalibration(cal);
        }
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
