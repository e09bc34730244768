package io.github.lola4j.cli;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Split;
import io.github.lola4j.nn.Architecture;
import io.github.lola4j.nn.Evaluation;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * {@code train}: trains one of the LoLa architectures on MNIST (or Fashion-MNIST) and writes a
 * model file whose metadata records the measured test accuracy and the command that reproduces it.
 */
final class TrainCommand implements Command {


    /** Creates the command. */
    public TrainCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("train", "train a LoLa network (lola, lola-small, lola-large, lola-cifar) in plaintext and save the model")
                .synopsis("lola4j train --arch lola|lola-small|lola-large|lola-cifar --out FILE [options]",
                        "lola4j train --arch linear-head --dataset caltech101 --out FILE [--c C] [--data DIR]")
                .description("Trains a square-activation network with Adam (cosine schedule, gradient clipping), evaluates it",
                        "on the full test set and writes a model file (weights rounded to float32 unless --float64; the",
                        "accuracy stored and printed is that of the weights as written). Progress per epoch goes to",
                        "standard error (every 30 s within an epoch too, with an ETA). The same seed gives the same",
                        "weights whatever --threads is.")
                .option("arch", "NAME", "lola (conv 5x5/2 5 maps, square, dense 100, square, dense 10),",
                        "lola-small (conv, square, dense 10), lola-large, or lola-cifar (CIFAR-10:",
                        "conv 8x8/2 83 maps, square, conv 6x6/2 163 maps, square, dense 10) (required)")
                .option("out", "FILE", "the model file to write (required)")
                .option("epochs", "N", "passes over the training set (default 30)")
                .option("seed", "S", "seed of initialisation, shuffling and augmentation (default 1)")
                .option("threads", "T", "worker threads (default: available processors)")
                .option("data", "DIR", "folder with the data set's files (or a mnist/, cifar10/ subfolder); default:",
                        "$LOLA4J_DATA, then ~/.cache/lola4j/ID, then a verified download")
                .option("dataset", "ID", "mnist, fashion-mnist or cifar10 (default: cifar10 for lola-cifar, else mnist)")
                .option("normalize", "KIND", "input preprocessing recorded in the model: scale (pixel/256) or standardize",
                        "(per-channel mean and deviation of the training set); default: standardize",
                        "for cifar10, scale otherwise")
                .flag("no-download", "fail instead of downloading missing data")
                .option("batch", "N", "mini-batch size (default 64)")
                .option("lr", "X", "peak learning rate (default 0.002)")
                .option("final-lr", "X", "learning rate at the end of the cosine schedule (default 1e-5)")
                .option("warmup", "E", "linear warm-up length in epochs (default 0.5)")
                .option("weight-decay", "X", "decoupled (AdamW) weight decay (default 0.05)")
                .option("clip", "X", "global gradient-norm bound, 0 = none (default 5)")
                .option("act-penalty", "X", "penalty on the mean square of every square layer's input; keeps",
                        "intermediate values small for CKKS (default 0.01)")
                .option("shift", "N", "random shifts of training images by up to N pixels, 0..4 (default 2): a",
                        "random crop of the image padded by N")
                .flag("flip", "mirror training images left-right at random (natural images, not digits)")
                .option("init-std", "X", "output deviation each layer is scaled to at initialisation (default 1)")
                .option("train-limit", "N", "train on the first N training images only (default: all)")
                .option("name", "NAME", "model name stored in the file (default: the architecture)")
                .flag("float64", "store weights as float64 instead of float32")
                .flag("fast", "convolutions as matrix products over each chunk of samples: about 2x faster",
                        "for convolution-heavy networks (lola-large), deterministic, but other",
                        "weights than the default mode (the shipped MNIST models use the default)")
                .option("checkpoint", "FILE", "save the training state to FILE at each epoch's end and every",
                        "--checkpoint-minutes within an epoch (default 10)")
                .option("checkpoint-minutes", "M", "how often, within an epoch, --checkpoint saves (default 10)")
                .option("resume", "FILE", "continue from a checkpoint; give the same options as the interrupted run",
                        "(the result is bit for bit that of an uninterrupted run)")
                .option("c", "C", "linear-head: inverse regularisation strength (default " + LINEAR_HEAD_C + ")")
                .option("max-iterations", "N", "linear-head: the L-BFGS iteration limit (default " + LINEAR_HEAD_ITERATIONS + ")")
                .footer("linear-head: the private classifier of the deep-features row (docs/deep-features.md): a",
                        "multinomial logistic regression (L-BFGS) on the 512 pooled SqueezeNet 1.1 features of the",
                        "2,020 CalTech-101 training images, computed once on the client side and cached. --c C is the",
                        "inverse regularisation (default " + LINEAR_HEAD_C + "), --max-iterations N the L-BFGS limit (default "
                        + LINEAR_HEAD_ITERATIONS + ").",
                        "",
                        "The defaults are the recipe of the shipped models: 'lola4j train --arch lola --out lola.model'",
                        "reproduces the shipped lola model bit for bit (likewise lola-small); see docs/models.md.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (!o.has("arch")) {
            throw new UsageException("--arch is required (lola, lola-small, lola-large or lola-cifar)");
        }
        if (!o.has("out")) {
            throw new UsageException("--out FILE is required");
        }
        if (o.get("arch", "").equals("linear-head")) {
            return trainLinearHead(o, out, err);
        }
        Architecture arch;
        Dataset dataset;
        try {
            arch = Architecture.byId(o.get("arch", ""));
            dataset = Dataset.byId(o.get("dataset", arch.defaultDataset()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path outFile = Path.of(o.get("out", ""));
        int epochs = o.getInt("epochs", 30, 1, 100_000);
        long seed = o.getLong("seed", 1);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        int batch = o.getInt("batch", 64, 1, 1 << 20);
        double lr = o.getDouble("lr", 2e-3);
        double finalLr = o.getDouble("final-lr", 1e-5);
        double warmup = o.getDouble("warmup", 0.5);
        double weightDecay = o.getDouble("weight-decay", 0.05);
        double clip = o.getDouble("clip", 5);
        double actPenalty = o.getDouble("act-penalty", 0.01);
        int shift = o.getInt("shift", 2, 0, 4);
        double initStd = o.getDouble("init-std", 1);
        int trainLimit = o.getInt("train-limit", 0, 0, Integer.MAX_VALUE);
        String name = o.get("name", arch.id());
        boolean float64 = o.has("float64");
        boolean fast = o.has("fast");
        boolean flip = o.has("flip");
        String normalize = o.get("normalize", dataset == Dataset.CIFAR10 ? "standardize" : "scale");
        if (!normalize.equals("scale") && !normalize.equals("standardize")) {
            throw new UsageException("--normalize must be scale or standardize, got '" + normalize + "'");
        }
        Path checkpoint = o.has("checkpoint") ? Path.of(o.get("checkpoint", "")) : null;
        int checkpointMinutes = o.getInt("checkpoint-minutes", 10, 1, 100_000);
        Path resume = o.has("resume") ? Path.of(o.get("resume", "")) : null;
        if (resume != null && !Files.isRegularFile(resume)) {
            throw new UsageException("--resume " + resume + ": no such file");
        }

        Trainer trainer;
        try {
            trainer = Trainer.builder().epochs(epochs).seed(seed).threads(threads).batchSize(batch).learningRate(lr)
                    .finalLearningRate(finalLr).warmupEpochs(warmup).weightDecay(weightDecay).clipNorm(clip)
                    .activationPenalty(actPenalty).shift(shift).flip(flip).initStd(initStd).fast(fast)
                    .checkpoint(checkpoint, Duration.ofMinutes(checkpointMinutes)).resume(resume).log(err).progress(o.progress()).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // Every option that shapes the weights, resolved, so the stored command reproduces the model
        // even if defaults change; --out, --data and --threads do not change the result.
        String command = String.format(Locale.ROOT,
                "lola4j train --arch %s --dataset %s --epochs %d --seed %d --batch %d --lr %s --final-lr %s --warmup %s"
                        + " --weight-decay %s --clip %s --act-penalty %s --shift %d%s --init-std %s%s --name %s%s%s%s",
                arch.id(), dataset.id(), epochs, seed, batch, lr, finalLr, warmup, weightDecay, clip, actPenalty, shift,
                flip ? " --flip" : "", initStd, trainLimit > 0 ? " --train-limit " + trainLimit : "", name,
                float64 ? " --float64" : "", fast ? " --fast" : "",
                normalize.equals(dataset == Dataset.CIFAR10 ? "standardize" : "scale") ? "" : " --normalize " + normalize);

        DataLocator locator = DataLocator.builder(dataset)
                .dataDirectory(o.has("data") ? Path.of(o.get("data", "")) : null)
                .download(!o.has("no-download"))
                .progress(o.has("quiet") ? null : err).downloadProgress(o.progress())
                .build();
        DataLocator.Location where = locator.locate();
        err.println("data: " + where);
        Split data = dataset.load(where.directory());
        var train = trainLimit > 0 && trainLimit < data.train().count() ? data.train().subset(0, trainLimit) : data.train();
        if (train.channels() != arch.inputShape().dim(0) || train.rows() != arch.inputShape().dim(1)
                || train.cols() != arch.inputShape().dim(2)) {
            throw new UsageException("--arch " + arch.id() + " takes " + arch.inputShape() + " images, " + dataset.id()
                    + " has " + train.channels() + "x" + train.rows() + "x" + train.cols());
        }
        // Fitted on the whole training set (not the --train-limit subset), so that the statistics
        // and hence the recorded normalization depend only on the data set.
        InputNormalization norm = normalize.equals("standardize") ? InputNormalization.fit(data.train())
                : InputNormalization.pixelScale(ModelInfo.PIXEL_SCALE_256);
        Network start = arch.untrained(dataset.id(), norm);
        start = start.withInfo(start.info().withName(name));
        err.println(start.describe().stripTrailing());
        err.println("input: " + norm);
        err.println("training on " + train.count() + " images, " + threads + " thread(s)");
        Trainer.Result result = trainer.train(start, train, data.test());

        Network net = float64 ? result.network() : result.network().roundedToFloat();
        Evaluation ev = Evaluation.run(net, data.test(), 0, threads);
        net = net.withInfo(net.info().withTestAccuracy(ev.accuracy()).withTraining(command, seed));
        ModelFormat.WeightEncoding enc = float64 ? ModelFormat.WeightEncoding.FLOAT64 : ModelFormat.WeightEncoding.FLOAT32;
        net.save(outFile, enc);
        out.printf(Locale.ROOT, "wrote %s (%d bytes): %s on %s, test accuracy %.2f %% (%d/%d), trained in %.1f s%n",
                outFile, Files.size(outFile), name, dataset.id(), 100 * ev.accuracy(), ev.correct(), ev.count(),
                result.seconds());
        out.println(EvalCommand.formatMaxAbs(net, ev));
        out.println("reproduce with: " + command + " --out FILE");
        return 0;
    }

    /** The shipped head's inverse regularisation: the best 5-fold cross-validation accuracy on the training features of {100, 1000, 10000} (docs/deep-features.md). */
    static final double LINEAR_HEAD_C = 1_000;
    /** The shipped head's L-BFGS limit. */
    static final int LINEAR_HEAD_ITERATIONS = 3000;

    /** {@code --arch linear-head}: the deep-features row's private classifier on cached SqueezeNet features. */
    private static int trainLinearHead(Options o, PrintStream out, PrintStream err) throws Exception {
        String dataset = o.get("dataset", io.github.lola4j.data.Caltech101.ID);
        if (!dataset.equals(io.github.lola4j.data.Caltech101.ID)) {
            throw new UsageException("--arch linear-head trains on deep features of caltech101, not " + dataset);
        }
        double c = o.getDouble("c", LINEAR_HEAD_C);
        int iterations = o.getInt("max-iterations", LINEAR_HEAD_ITERATIONS, 1, 1_000_000);
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        String name = o.get("name", "caltech101-head");
        Path outFile = Path.of(o.get("out", ""));
        io.github.lola4j.nn.SoftmaxRegression regression;
        try {
            regression = io.github.lola4j.nn.SoftmaxRegression.of(c, iterations, 1e-4, threads, err);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        DeepFeatures features = DeepFeatures.open(o.has("data") ? Path.of(o.get("data", "")) : null, System::getenv,
                Path.of(System.getProperty("user.home")), !o.has("no-download"), err);
        var train = features.load(io.github.lola4j.data.Caltech101.Part.TRAIN, threads, err);
        var test = features.load(io.github.lola4j.data.Caltech101.Part.TEST, threads, err);
        String command = String.format(Locale.ROOT, "lola4j train --arch linear-head --dataset %s --c %s --max-iterations %d"
                + " --name %s", dataset, c, iterations, name);
        long t0 = System.nanoTime();
        ModelInfo info = ModelInfo.untrained(name, dataset, InputNormalization.pixelScale(1.0));
        var fit = regression.fit(train, info);
        // the weights as written (float32) are the ones whose accuracy is recorded
        Network net = fit.network().roundedToFloat();
        double accuracy = test.accuracy(net);
        net = net.withInfo(net.info().withTestAccuracy(accuracy).withTraining(command, 0));
        net.save(outFile, ModelFormat.WeightEncoding.FLOAT32);
        out.printf(Locale.ROOT, "wrote %s (%d bytes): %s, %d -> %d, test accuracy %.2f %% (%d/%d), training accuracy %.2f %%,"
                + " fitted in %.1f s (%d iterations%s)%n", outFile, Files.size(outFile), name, train.dimension(), train.classes(),
                100 * accuracy, Math.round(accuracy * test.count()), test.count(), 100 * train.accuracy(net),
                (System.nanoTime() - t0) / 1e9, fit.iterations(), fit.converged() ? ", converged" : ", iteration limit");
        out.println("reproduce with: " + command + " --out FILE");
        return 0;
    }
}
