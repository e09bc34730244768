package io.github.lola4j.cli;

import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Evaluation;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/**
 * {@code eval}: the plaintext accuracy of a shipped or saved model on the full test set (or its
 * first N images), with the largest absolute value each layer produced.
 */
final class EvalCommand implements Command {


    /** Creates the command. */
    public EvalCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("eval", "plaintext accuracy of a model on the full test set")
                .synopsis("lola4j eval [--model NAME|PATH] [--encrypt-from NODE] [--data DIR] [--limit N] [--json]")
                .description("Runs a model in plaintext (double precision) on the test set of the data set it was trained on",
                        "and prints its accuracy and, per layer, the largest absolute value produced (the range an",
                        "encrypted evaluation must hold).")
                .option("model", "NAME|PATH", "a shipped model (" + String.join(", ", ModelRegistry.names())
                        + ") or a model file, lola4j or .onnx (default lola)")
                .option("data", "DIR", "folder with the four IDX files (or a mnist/ subfolder); default:",
                        "$LOLA4J_DATA, then ~/.cache/lola4j/mnist, then a verified download")
                .option("dataset", "ID", "mnist, fashion-mnist or cifar10 (default: the one recorded in the model)")
                .flag("no-download", "fail instead of downloading missing data")
                .option("limit", "N", "evaluate the first N test images only (default: all 10,000)")
                .option("pixel-scale", "S", "an .onnx model takes pixels times S (an ONNX file does not say; 1/255 for",
                        "PyTorch's ToTensor; default 1), or its client part with --encrypt-from")
                .option("encrypt-from", "NODE", "split an .onnx model: the client's part (the nodes before NODE) runs on",
                        "each image, then the part the server would run encrypted; needs --dataset,",
                        "and --pixel-scale S when the model takes pixels times S (default 1)")
                .option("threads", "T", "worker threads (default: available processors)")
                .flag("json", "end with one line of JSON: {\"model\", \"dataset\", \"count\", \"correct\",",
                        "\"accuracy\" (a fraction), \"seconds\", \"layers\", \"max_abs\"}")
                .footer("exit code: 0 on success (whatever the accuracy), 2 on a usage error, 3 when the model or",
                        "data cannot be read.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        String modelArg = o.get("model", "lola");
        int limit = o.getInt("limit", 0, 1, Integer.MAX_VALUE);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        Network net;
        Evaluation ev;
        String where;
        String dataset;
        if (o.has("encrypt-from")) {
            io.github.lola4j.onnx.OnnxModels.Split split = Models.split(modelArg, o.get("encrypt-from", ""));
            net = split.encryptedSuffix();
            Samples samples = Samples.split(o, split.clientPrefix(), err);
            ev = evaluate(net, samples, limit);
            where = samples.source();
            dataset = o.get("dataset", "");
        } else {
            net = Models.load(modelArg, o);
            TestSet set = TestSet.load(o, net, err);
            dataset = set.dataset().id();
            where = set.where().toString();
            LabeledImages test = set.images();
            Samples.requireFits(net, test);
            ev = Evaluation.run(net, test, limit, threads);
        }

        out.printf(Locale.ROOT, "model     %s (%s, %s -> %s, %d parameters)%n", net.info().name(), net.info().dataset(),
                net.inputShape(), net.outputShape(), net.parameterCount());
        out.printf(Locale.ROOT, "data      %s%n", where);
        out.printf(Locale.ROOT, "accuracy  %.2f %% (%d / %d test images) in %.2f s%n", 100 * ev.accuracy(), ev.correct(),
                ev.count(), ev.seconds());
        if (!Double.isNaN(net.info().testAccuracy())) {
            out.printf(Locale.ROOT, "recorded  %.2f %% on the full test set%n", 100 * net.info().testAccuracy());
        }
        out.println(formatMaxAbs(net, ev));
        if (o.has("json")) {
            out.println(json(modelArg, dataset, net, ev));
        }
        return 0;
    }

    /**
     * A network on samples that are already its inputs (a split model's client-part outputs), one
     * at a time: the accuracy and each layer's largest absolute value, as {@link Evaluation#run}.
     */
    static Evaluation evaluate(Network net, Samples samples, int limit) {
        long t0 = System.nanoTime();
        int n = limit <= 0 || limit > samples.count() ? samples.count() : limit;
        int correct = 0;
        double maxIn = 0;
        double[] maxAbs = new double[net.layers().size()];
        for (int i = 0; i < n; i++) {
            double[][] acts = net.activations(samples.input(i));
            for (double v : acts[0]) {
                maxIn = Math.max(maxIn, Math.abs(v));
            }
            for (int l = 0; l < maxAbs.length; l++) {
                for (double v : acts[l + 1]) {
                    maxAbs[l] = Math.max(maxAbs[l], Math.abs(v));
                }
            }
            correct += io.github.lola4j.nn.Tensor.argmax(acts[acts.length - 1]) == samples.label(i) ? 1 : 0;
        }
        return new Evaluation(n, correct, (System.nanoTime() - t0) / 1e9, maxIn, maxAbs);
    }

    /** One line per layer: its kind, output shape and the largest absolute value it produced. */
    static String formatMaxAbs(Network net, Evaluation ev) {
        StringBuilder sb = new StringBuilder("max |value| per layer (over the evaluated images):\n");
        sb.append(String.format(Locale.ROOT, "  %-8s %-10s %.4g%n", "input", net.inputShape(), ev.maxAbsInput()));
        double[] m = ev.maxAbs();
        for (int l = 0; l < m.length; l++) {
            sb.append(String.format(Locale.ROOT, "  %-8s %-10s %.4g%n", net.layers().get(l).kind(), net.outputShape(l), m[l]));
        }
        return sb.toString().stripTrailing();
    }

    private static String json(String model, String dataset, Network net, Evaluation ev) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"model\":").append(quote(model));
        sb.append(",\"name\":").append(quote(net.info().name()));
        sb.append(",\"dataset\":").append(quote(dataset));
        sb.append(",\"count\":").append(ev.count());
        sb.append(",\"correct\":").append(ev.correct());
        sb.append(",\"accuracy\":").append(ev.accuracy());
        sb.append(",\"seconds\":").append(String.format(Locale.ROOT, "%.3f", ev.seconds()));
        sb.append(",\"layers\":[");
        for (int l = 0; l < net.layers().size(); l++) {
            sb.append(l > 0 ? "," : "").append(quote(net.layers().get(l).kind()));
        }
        sb.append("],\"max_abs\":[");
        double[] m = ev.maxAbs();
        for (int l = 0; l < m.length; l++) {
            sb.append(l > 0 ? "," : "").append(m[l]);
        }
        return sb.append("]}").toString();
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
