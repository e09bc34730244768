package io.github.lola4j.cli;

import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import io.github.lola4j.onnx.OnnxModels;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code import} (an ONNX file to a lola4j model file) and {@code export} (a lola4j model to an
 * ONNX file): one command class, two directions.
 */
final class ConvertCommand implements Command {


    private final boolean toOnnx;

    private ConvertCommand(boolean toOnnx) {
        this.toOnnx = toOnnx;
    }

    /** {@code import}: ONNX in, lola4j model file out. */
    static ConvertCommand importer() {
        return new ConvertCommand(false);
    }

    /** {@code export}: a lola4j model in, ONNX out. */
    static ConvertCommand exporter() {
        return new ConvertCommand(true);
    }

    @Override
    public Spec spec() {
        if (toOnnx) {
            return Spec.of("export", "writes a model as an ONNX file (for Netron, onnxruntime, ...)")
                    .synopsis("lola4j export --model NAME|PATH --out FILE.onnx")
                    .description("Writes a shipped model or a model file as ONNX (opset 13; float weights when they are floats,",
                            "else double). Its metadata travels along: import or --model FILE.onnx gives the same model back.")
                    .option("model", "NAME|PATH", "a shipped model (" + String.join(", ", ModelRegistry.names()) + ") or a model file")
                    .option("out", "FILE.onnx", "the file to write (required)")
                    .footer("exit code: 0 on success, 2 on a usage error, 3 when the model cannot be read or the file written.");
        }
        return Spec.of("import", "reads an ONNX file into a lola4j model file")
                .synopsis("lola4j import --model FILE.onnx --out FILE.model [--pixel-scale S] [--dataset ID]",
                        "lola4j import --model FILE.onnx --out FILE.model --encrypt-from NODE --client-part FILE.onnx")
                .description("Imports an ONNX network (docs/onnx.md lists the operators) and writes it as a lola4j model file.",
                        "Every command's --model also takes the .onnx file itself; import is for keeping the result.")
                .option("model", "FILE.onnx", "the ONNX file")
                .option("out", "FILE.model", "the model file to write (required)")
                .option("pixel-scale", "S", "record that the network takes pixel values times S (0.00392156862745098",
                        "= 1/255 for a PyTorch model trained on ToTensor's [0, 1]; default 1: the",
                        "values as given), so that eval, infer and client feed it images as trained")
                .option("dataset", "ID", "record the data set it classifies (mnist, fashion-mnist, cifar10), the",
                        "default of the commands' --dataset")
                .option("encrypt-from", "NODE", "split the model: NODE and what follows are imported (the encrypted",
                        "part), the nodes before it are written to --client-part (required",
                        "then) for the client to run in plaintext before encrypting")
                .option("client-part", "FILE", "the client's part, an ONNX model")
                .footer("exit code: 0 on success, 2 on a usage error, 3 when the file cannot be read or imported (the",
                        "message names the node) or the model file cannot be written.");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (!o.has("model") || !o.has("out")) {
            throw new UsageException("--model and --out are required");
        }
        Path target = Path.of(o.get("out", ""));
        Network net;
        if (toOnnx) {
            net = ModelRegistry.load(o.get("model", ""));
            OnnxModels.save(net, target);
        } else {
            String model = o.get("model", "");
            if (!model.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                throw new UsageException("--model must name an .onnx file, got " + model);
            }
            if (o.has("encrypt-from") != o.has("client-part")) {
                throw new UsageException("--encrypt-from and --client-part go together: the client's part must be kept");
            }
            if (o.has("encrypt-from") && (o.has("pixel-scale") || o.has("dataset"))) {
                throw new UsageException("--pixel-scale and --dataset describe the input of a model the server evaluates"
                        + " whole; with --encrypt-from the client's part takes the pixels and the server's part its output");
            }
            if (o.has("encrypt-from")) {
                OnnxModels.Split split = Models.split(model, o.get("encrypt-from", ""));
                net = split.encryptedSuffix();
                Models.writeClientPart(split.clientPrefix(), Path.of(o.get("client-part", "")), out);
            } else {
                net = Models.loadOnnx(Path.of(model), o);
            }
            net.save(target);
        }
        out.printf(Locale.ROOT, "wrote     %s: %s, %s -> %s, %d layers, %d parameters%n", target, net.info().name(),
                net.inputShape(), net.outputShape(), net.layers().size(), net.parameterCount());
        return 0;
    }
}
