package io.github.lola4j.cli;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.nn.Architecture;
import io.github.lola4j.nn.Evaluation;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code train}: trains one of the LoLa architectures on MNIST (or Fashion-MNIST) and writes a
 * model file whose metadata records the measured test accuracy and the command that reproduces it.
 */
public final class TrainCommand implements Command {

    private static final Set<String> VALUES = Set.of("arch", "out", "epochs", "seed", "threads", "data", "dataset",
            "batch", "lr", "final-lr", "warmup", "weight-decay", "clip", "act-penalty", "shift", "init-std",
            "train-limit", "name");
    private static final Set<String> FLAGS = Set.of("float64", "no-download", "fast");

    /** Creates the command. */
    public TrainCommand() {
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a LoLa network (lola, lola-small, lola-large) in plaintext and save the model";
    }

    @Override
    public String help() {
        return String.join("\n",
                "usage: lola4j train --arch lola|lola-small|lola-large --out FILE [options]",
                "",
                "Trains a square-activation network with Adam (cosine schedule, gradient clipping), evaluates it",
                "on the full test set and writes a model file (weights rounded to float32 unless --float64; the",
                "accuracy stored and printed is that of the weights as written). Progress per epoch goes to",
                "standard error. The same seed gives the same weights whatever --threads is.",
                "",
                "options:",
                "  --arch NAME          lola (conv 5x5/2 5 maps, square, dense 100, square, dense 10),",
                "                       lola-small (conv, square, dense 10) or lola-large (required)",
                "  --out FILE           the model file to write (required)",
                "  --epochs N           passes over the training set (default 30)",
                "  --seed S             seed of initialisation, shuffling and augmentation (default 1)",
                "  --threads T          worker threads (default: available processors)",
                "  --data DIR           folder with the four IDX files (or a mnist/ subfolder); default:",
                "                       $LOLA4J_DATA, then ~/.cache/lola4j/mnist, then a verified download",
                "  --dataset ID         mnist (default) or fashion-mnist",
                "  --no-download        fail instead of downloading missing data",
                "  --batch N            mini-batch size (default 64)",
                "  --lr X               peak learning rate (default 0.002)",
                "  --final-lr X         learning rate at the end of the cosine schedule (default 1e-5)",
                "  --warmup E           linear warm-up length in epochs (default 0.5)",
                "  --weight-decay X     decoupled (AdamW) weight decay (default 0.05)",
                "  --clip X             global gradient-norm bound, 0 = none (default 5)",
                "  --act-penalty X      penalty on the mean square of every square layer's input; keeps",
                "                       intermediate values small for CKKS (default 0.01)",
                "  --shift N            random shifts of training images by up to N pixels, 0..4 (default 2)",
                "  --init-std X         output deviation each layer is scaled to at initialisation (default 1)",
                "  --train-limit N      train on the first N training images only (default: all)",
                "  --name NAME          model name stored in the file (default: the architecture)",
                "  --float64            store weights as float64 instead of float32",
                "  --fast               convolutions as matrix products over each chunk of samples: about 2x faster",
                "                       for convolution-heavy networks (lola-large), deterministic, but other",
                "                       weights than the default mode (the shipped MNIST models use the default)",
                "",
                "The defaults are the recipe of the shipped models: 'lola4j train --arch lola --out lola.model'",
                "reproduces the shipped lola model bit for bit (likewise lola-small); see docs/models.md.");
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args, VALUES, FLAGS);
        o.requireNoPositional();
        if (!o.has("arch")) {
            throw new UsageException("--arch is required (lola, lola-small or lola-large)");
        }
        if (!o.has("out")) {
            throw new UsageException("--out FILE is required");
        }
        Architecture arch;
        Dataset dataset;
        try {
            arch = Architecture.byId(o.get("arch", ""));
            dataset = Dataset.byId(o.get("dataset", "mnist"));
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

        Trainer trainer;
        try {
            trainer = Trainer.builder().epochs(epochs).seed(seed).threads(threads).batchSize(batch).learningRate(lr)
                    .finalLearningRate(finalLr).warmupEpochs(warmup).weightDecay(weightDecay).clipNorm(clip)
                    .activationPenalty(actPenalty).shift(shift).initStd(initStd).fast(fast).log(err).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // Every option that shapes the weights, resolved, so the stored command reproduces the model
        // even if defaults change; --out, --data and --threads do not change the result.
        String command = String.format(Locale.ROOT,
                "lola4j train --arch %s --dataset %s --epochs %d --seed %d --batch %d --lr %s --final-lr %s --warmup %s"
                        + " --weight-decay %s --clip %s --act-penalty %s --shift %d --init-std %s%s --name %s%s%s",
                arch.id(), dataset.id(), epochs, seed, batch, lr, finalLr, warmup, weightDecay, clip, actPenalty, shift,
                initStd, trainLimit > 0 ? " --train-limit " + trainLimit : "", name, float64 ? " --float64" : "",
                fast ? " --fast" : "");

        DataLocator locator = DataLocator.builder(dataset)
                .dataDirectory(o.has("data") ? Path.of(o.get("data", "")) : null)
                .download(!o.has("no-download"))
                .progress(err)
                .build();
        DataLocator.Location where = locator.locate();
        err.println("data: " + where);
        Mnist data = Mnist.load(where.directory(), dataset);
        var train = trainLimit > 0 && trainLimit < data.train().count() ? data.train().subset(0, trainLimit) : data.train();

        Network start = arch.untrained(dataset.id());
        start = start.withInfo(start.info().withName(name));
        err.println(start.describe().stripTrailing());
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
}
