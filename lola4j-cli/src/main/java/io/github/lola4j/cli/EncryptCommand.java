package io.github.lola4j.cli;

import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.format.Progress;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.nn.Shape;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code encrypt}: images in, a tensor file out, with the secret key (half the bytes of a
 * public-key encryption, and less noise). A latency plan gives one tensor per image, a batch plan
 * one per batch of up to its batch size; the file holds them one after another, in image order.
 */
final class EncryptCommand implements Command {

    @Override
    public Spec spec() {
        return Spec.of("encrypt", "pipeline step 2 (client): images to a file of encrypted tensors")
                .synopsis("lola4j encrypt --plan FILE --secret-key FILE --images FILE|DIR --out FILE [options]",
                        "lola4j encrypt --plan FILE --secret-key FILE --images FILE|DIR --out-dir DIR [options]")
                .description("Normalises each image as the model expects (per channel for a colour model) and encrypts it",
                        "with the secret key. A latency plan gives one tensor per image, a batch plan one tensor per",
                        "batch (up to its batch size, one image per slot); the tensors follow each other in the file, in",
                        "image order, for lola4j evaluate. A plan whose model starts with a part the client runs in",
                        "plaintext (a split ONNX model) is refused: use lola4j client.")
                .option("plan", "FILE", "a plan file (lola4j plan --out) or a client plan file (lola4j plan --client-plan)")
                .option("secret-key", "FILE", "the secret key of lola4j keygen (mode 600)")
                .option("images", "FILE|DIR", "for a greyscale plan (1 x rows x cols): an IDX file of N x rows x cols bytes",
                        "(MNIST's t10k-images-idx3-ubyte[.gz]), a folder of image files (PNG, JPEG, ...: converted",
                        "as client --image converts them, in name order), or a text file with one image per line,",
                        "its pixels separated by commas or spaces (CSV). For a colour plan (C x rows x cols, e.g. 3x32x32):",
                        "a text file of C*rows*cols values a line, channel by channel (a CHW tensor",
                        "flattened, as PyTorch does), a folder of colour image files (R, G, B; another size is",
                        "resized to cover rows x cols and centre-cropped; a greyscale file is refused), or",
                        "CIFAR-10 binary records in a file named *.bin or *.bin.gz (each a label byte, unused,",
                        "then C*rows*cols pixel bytes; the size must be a whole number of records)")
                .option("pixel-range", "255|1", "a text file's white: 255 for bytes (default), 1 for values in [0, 1] (PyTorch's",
                        "ToTensor); p/255 in [0, 1] gives exactly the doubles of the byte p")
                .option("offset", "I", "the first image to encrypt (default 0)")
                .option("count", "N", "how many images (default: all from the offset)")
                .option("threads", "T", "threads encrypting (default: available processors; the same ciphertexts from the same"
                        + " randomness whatever the count)")
                .option("out", "FILE", "the tensor file to write (replaced whole, or not at all on a failure)")
                .option("out-dir", "DIR", "instead of --out: one tensor a file, 00000-of-00012.tensor and so on in order,",
                        "in a new or empty folder: the input of the Spark job (docs/spark.md)")
                .footer("exit code: 0, 2 on a usage error, 3 when a file cannot be read or written.");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        ClientPlan plan = Pipeline.clientPlan(Pipeline.required(o, "plan"));
        if (o.has("out") == o.has("out-dir")) {
            throw new UsageException("give either --out FILE or --out-dir DIR");
        }
        Path target = o.has("out") ? Path.of(o.get("out", "")) : Path.of(o.get("out-dir", ""));
        Path images = Pipeline.required(o, "images");
        if (plan.clientPart().isPresent()) {
            throw new UsageException("the plan starts with a part the client runs in plaintext (a split ONNX model); encrypt"
                    + " does not run it: use lola4j client");
        }
        Shape in = plan.inputShape();
        if (in.rank() != 3) {
            throw new UsageException("the plan takes " + in + " inputs; encrypt reads images (channels x rows x cols)");
        }
        String range = o.get("pixel-range", "255");
        if (!range.equals("255") && !range.equals("1")) {
            throw new UsageException("option --pixel-range expects 255 or 1, got '" + range + "'");
        }
        SecretKey sk = Pipeline.readSecretKey(Pipeline.required(o, "secret-key"), plan);
        int channels = in.dim(0);
        int rows = in.dim(1);
        int cols = in.dim(2);
        List<Pipeline.Raw> all = Pipeline.images(images, channels, rows, cols, Double.parseDouble(range));
        int offset = o.getInt("offset", 0, 0, Integer.MAX_VALUE);
        if (offset >= all.size()) {
            throw new UsageException("--offset " + offset + " is past the " + all.size() + " images of " + images);
        }
        int count = o.getInt("count", all.size() - offset, 1, Integer.MAX_VALUE);
        if ((long) offset + count > all.size()) {
            throw new UsageException("--offset " + offset + " --count " + count + " goes past the " + all.size() + " images of "
                    + images);
        }
        List<double[]> xs = new ArrayList<>(count);
        for (int i = offset; i < offset + count; i++) {
            Pipeline.Raw raw = all.get(i);
            try {
                // the model's own map from the stated range: bytes give exactly the doubles infer feeds
                xs.add(plan.normalization().apply(raw.pixels(), in, raw.pixelMax()));
            } catch (IllegalArgumentException e) {
                throw new java.io.IOException("--images " + images + (raw.where().isEmpty() ? ", image " + (i + 1)
                        : " " + raw.where()) + (channels > 1 ? where(raw, in) : "") + ": "
                        // the library names its parameter; here the user's option says the range
                        + e.getMessage().replace("take pixelMax 255", "take --pixel-range 255"), e);
            }
        }
        int per = plan.isBatch() ? plan.batchSize() : 1;
        SecureRandom rnd = new SecureRandom();
        Progress progress = o.progress();
        long t0 = System.nanoTime();
        List<EncryptedTensor> tensors = new ArrayList<>();
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        // a batch reports its ciphertexts (hundreds, seconds); images in latency mode one by one
        progress.start("encrypting", count);
        double seconds;
        long bytes = 0;
        try (Threads pool = Threads.of(threads)) {
            try {
                for (int k = 0; k < count; k += per) {
                    List<double[]> part = xs.subList(k, Math.min(count, k + per));
                    tensors.add(plan.isBatch() ? plan.encryptBatch(part, sk, rnd, pool.parallelism(), Progress.none())
                            : plan.encryptInput(part.get(0), sk, rnd, pool.parallelism(), Progress.none()));
                    progress.advance(part.size());
                }
            } finally {
                progress.done();
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            // writing checks each seeded ciphertext's seed against its c_1 again: on the threads too
            if (o.has("out")) {
                Pipeline.writeAtomically(target, true, "--out", false, s -> {
                    for (EncryptedTensor t : tensors) {
                        plan.writeTensor(s, t, pool.parallelism());
                    }
                });
                bytes = Files.size(target);
            } else {
                // a file is a record of a job that takes one per task: each whole or absent, as --out's file
                TensorDirectory.create(target, "--out-dir");
                for (int i = 0; i < tensors.size(); i++) {
                    EncryptedTensor t = tensors.get(i);
                    Path file = target.resolve(TensorDirectory.name(i, tensors.size()));
                    Pipeline.writeAtomically(file, false, "--out-dir", false, s -> plan.writeTensor(s, t, pool.parallelism()));
                    bytes += Files.size(file);
                }
            }
        }
        out.printf(Locale.ROOT, "encrypted %d image%s (%d to %d of %s) into %d tensor%s, %s, in %.2f s: %s%s%n", count,
                count > 1 ? "s" : "", offset, offset + count - 1, images, tensors.size(), tensors.size() > 1 ? "s" : "",
                Lola.bytes(bytes), seconds, target, o.has("out-dir") ? " (one file a tensor)" : "");
        return 0;
    }

    /** A colour image's first value outside its range, placed by channel, row and column; empty when none is. */
    private static String where(Pipeline.Raw raw, Shape in) {
        double[] px = raw.pixels();
        for (int k = 0; k < px.length; k++) {
            if (!(px[k] >= 0 && px[k] <= raw.pixelMax())) {
                return ", " + Pipeline.position(k, in.dim(0), in.dim(1), in.dim(2));
            }
        }
        return "";
    }
}
