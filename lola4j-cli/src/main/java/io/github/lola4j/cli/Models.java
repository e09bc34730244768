package io.github.lola4j.cli;

import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.onnx.OnnxGraph;
import io.github.lola4j.onnx.OnnxModels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** What {@code --model} names: a shipped model, a lola4j model file, or an ONNX file (by its .onnx extension). */
final class Models {

    /** How many synthetic inputs the client part turns into the encrypted part's calibration inputs. */
    static final int PREFIX_CALIBRATION_INPUTS = 16;

    private Models() {
    }

    /**
     * The network {@code --model} names. An ONNX graph (residual Add, Concat) is lowered with its
     * carried values' range measured on the calibration images the command would compile with
     * (the embedded MNIST sample, or the local test set of {@code --dataset}), which are what it
     * will see; without any, on uniform inputs ({@link OnnxModels#load}).
     */
    static Network load(String nameOrPath, Options o) throws IOException {
        if (isOnnx(nameOrPath)) {
            return loadOnnx(Path.of(nameOrPath), o);
        }
        if (o.has("pixel-scale")) {
            throw new UsageException("--pixel-scale applies to an .onnx model (or with --encrypt-from); a model file records"
                    + " its own input scale (import --pixel-scale)");
        }
        if (!ModelRegistry.names().contains(nameOrPath) && !Files.exists(Path.of(nameOrPath))) {
            throw new java.nio.file.NoSuchFileException(nameOrPath, null, "neither a shipped model ("
                    + String.join(", ", ModelRegistry.names()) + ") nor a model file" + Names.didYouMean(nameOrPath,
                    ModelRegistry.names(), ""));
        }
        return ModelRegistry.load(nameOrPath);
    }

    /** An .onnx file with {@code --pixel-scale} and {@code --dataset} applied, a graph lowered as {@link #load} says. */
    static Network loadOnnx(Path file, Options o) throws IOException {
        io.github.lola4j.nn.GraphNetwork graph = OnnxModels.loadGraph(file);
        Network first = OnnxModels.lowered(graph);
        return lowered(graph, first.withInfo(inputInfo(first.info(), o)), o);
    }

    /**
     * An ONNX model's metadata with what the options say of its input: {@code --pixel-scale S} (the
     * model takes pixels times S; an ONNX file does not say) and {@code --dataset ID} (what it classifies).
     */
    static ModelInfo inputInfo(ModelInfo info, Options o) {
        ModelInfo out = info;
        if (o.has("pixel-scale")) {
            double scale = o.getDouble("pixel-scale", 1);
            try {
                out = out.withNormalization(io.github.lola4j.nn.InputNormalization.pixelScale(scale));
            } catch (IllegalArgumentException e) {
                throw new UsageException("option --pixel-scale: " + e.getMessage());
            }
        }
        if (o.has("dataset")) {
            String id = o.get("dataset", "");
            try {
                io.github.lola4j.data.Dataset.byId(id);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            out = new ModelInfo(out.name(), id, out.normalization(), out.testAccuracy(), out.trainingCommand(), out.seed());
        }
        return out;
    }

    /**
     * A graph lowered on the calibration images of the network it lowers to (whose metadata says
     * how images become inputs); a chain is its layers.
     *
     * @param graph the graph
     * @param first the graph lowered on uniform inputs, with the metadata the command uses
     */
    static Network lowered(io.github.lola4j.nn.GraphNetwork graph, Network first, Options o) {
        if (graph.isChain()) {
            return first;
        }
        List<double[]> cal = Lola.calibration(first, o);
        return cal.isEmpty() ? first : graph.toNetwork(cal).withInfo(first.info());
    }

    private static boolean isOnnx(String nameOrPath) {
        return nameOrPath.toLowerCase(Locale.ROOT).endsWith(".onnx") && Files.isRegularFile(Path.of(nameOrPath));
    }

    /** {@code --model FILE.onnx --encrypt-from NODE}: the model cut where the client encrypts. */
    static OnnxModels.Split split(String path, String encryptFrom) throws IOException {
        if (!isOnnx(path)) {
            throw new UsageException("--encrypt-from splits an .onnx model; --model " + path + " is not an .onnx file");
        }
        return OnnxModels.split(Path.of(path), encryptFrom);
    }

    /**
     * The encrypted part's calibration inputs: the client part's outputs for uniform synthetic
     * inputs in [0, 1), as the compiler draws for a network without calibration data.
     */
    static List<double[]> prefixCalibration(OnnxGraph prefix) {
        SplittableRandom r = new SplittableRandom(20190609);
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < PREFIX_CALIBRATION_INPUTS; k++) {
            double[] x = new double[prefix.inputSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble();
            }
            out.add(prefix.run(x));
        }
        return out;
    }

    /**
     * The plan of a split model's encrypted part, calibrated on the client part's outputs, carrying
     * the client part ({@code --encrypt-from}, {@code --pixel-scale}): a client of {@code serve}
     * learns from it what to run before encrypting.
     */
    static io.github.lola4j.lola.Plan splitPlan(OnnxModels.Split split, Options o, PrintStream err) {
        double scale = pixelScale(o);
        Network net = split.encryptedSuffix();
        io.github.lola4j.lola.Plan plan = Lola.compile(net, Lola.options(net, o, prefixCalibration(split.clientPrefix())), err);
        return plan.withClientPart(io.github.lola4j.lola.ClientPart.of(o.get("encrypt-from", ""), scale,
                split.clientPrefix().toBytes()));
    }

    /** {@code --pixel-scale} of a split model's client part (default 1), checked positive and finite. */
    static double pixelScale(Options o) {
        double scale = o.getDouble("pixel-scale", 1);
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new UsageException("option --pixel-scale expects a positive number, got " + scale);
        }
        return scale;
    }

    /** Writes the client part and says so. */
    static void writeClientPart(OnnxGraph prefix, Path file, PrintStream out) throws IOException {
        prefix.save(file);
        out.printf(Locale.ROOT, "wrote     %s: the client part, %d nodes, %s %s -> %s %s, run in plaintext before encrypting%n",
                file, prefix.nodeCount(), prefix.inputName(), Arrays.toString(prefix.inputDims()), prefix.outputName(),
                Arrays.toString(prefix.outputDims()));
    }
}
