package io.github.lola4j.cli;

import io.github.lola4j.data.CalibrationInputs;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Caltech101;
import io.github.lola4j.nn.LabeledFeatures;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a command encrypts and checks, one labelled network input at a time: a test set's images as
 * the model normalises them, or, for a deep-features head, the client-side features of the test
 * images (computed by the extractor in plaintext, as the client would).
 */
interface Samples {

    /** How many. */
    int count();

    /** The network's input for sample i. */
    double[] input(int i);

    /** Sample i's label. */
    int label(int i);

    /** Where they come from, for the report. */
    String source();

    /** Inputs to calibrate the compiler on (empty: the compiler's default). */
    List<double[]> calibration();

    /** Samples given by their parts. */
    record Of(int count, java.util.function.IntFunction<double[]> inputs, java.util.function.IntUnaryOperator labels,
            String source, java.util.function.Supplier<List<double[]>> calibrationInputs) implements Samples {

        @Override
        public double[] input(int i) {
            return inputs.apply(i);
        }

        @Override
        public int label(int i) {
            return labels.applyAsInt(i);
        }

        @Override
        public List<double[]> calibration() {
            return calibrationInputs.get();
        }
    }

    /** Whether the model is a head on client-side deep features (CalTech-101). */
    static boolean isDeepFeaturesHead(Network net) {
        return net.info().dataset().equals(Caltech101.ID);
    }

    /**
     * The samples of the shared options for this model.
     *
     * @param needed how many of the first samples the command uses (a deep-features head computes
     *               only those when its features are not cached, rather than the whole test set)
     */
    static Samples load(Options o, Network net, int needed, int threads, PrintStream err) throws IOException {
        if (isDeepFeaturesHead(net)) {
            return features(o, net, needed, threads, err);
        }
        TestSet set = TestSet.load(o, net, err);
        return ofImages(net, set.images(), o, set.where().toString());
    }

    /**
     * A split ONNX model's samples: test images of {@code --dataset}, scaled by {@code --pixel-scale}
     * (default 1, as any .onnx model), through the client's plaintext part; the encrypted part is
     * calibrated on the first 100 of them, as a CIFAR-10 model is on its first 100 test images.
     */
    static Samples split(Options o, io.github.lola4j.onnx.OnnxGraph prefix, PrintStream err) throws IOException {
        if (!o.has("dataset")) {
            throw new UsageException("--encrypt-from needs --dataset (mnist, fashion-mnist or cifar10): the ONNX model does"
                    + " not say what it classifies");
        }
        double scale = Models.pixelScale(o);
        TestSet set = TestSet.load(o, o.get("dataset", ""), err);
        io.github.lola4j.nn.LabeledImages images = set.images();
        int[] d = prefix.inputDims();
        if (d.length != 3 || d[0] != images.channels() || d[1] != images.rows() || d[2] != images.cols()) {
            throw new UsageException("the client's part takes " + java.util.Arrays.toString(d) + "; " + set.dataset().id()
                    + " has " + images.channels() + "x" + images.rows() + "x" + images.cols() + " images");
        }
        return new Of(images.count(), i -> prefix.run(images.image(i, scale)), images::label,
                String.format(Locale.ROOT, "%s, pixels times %s through the client's part (%d nodes, plaintext)",
                        set.where(), scale, prefix.nodeCount()),
                () -> {
                    List<double[]> cal = new ArrayList<>();
                    for (int i = 0; i < Math.min(CalibrationInputs.COUNT, images.count()); i++) {
                        cal.add(prefix.run(images.image(i, scale)));
                    }
                    return cal;
                });
    }

    /**
     * Fails, saying which data set to pass, unless the images have the network's input shape (a
     * CIFAR-10 model on MNIST images said only "does not fit").
     */
    static void requireFits(Network net, io.github.lola4j.nn.LabeledImages images) {
        if (net.fits(images)) {
            return;
        }
        String in = net.inputShape().toString();
        String fitting = in.equals(io.github.lola4j.nn.Shape.of(3, 32, 32).toString()) ? "cifar10"
                : in.equals(io.github.lola4j.nn.Shape.of(1, 28, 28).toString()) ? "mnist or fashion-mnist" : null;
        throw new UsageException(String.format(Locale.ROOT, "%s takes %s images; the %s images are %dx%dx%d: %s", net.info().name(),
                in, images.name(), images.channels(), images.rows(), images.cols(), fitting != null
                        ? "pass --dataset " + fitting + " and --data DIR with its test set (or set " + DataLocator.ENV_VARIABLE + ")"
                        : "no data set lola4j reads has that shape"));
    }

    /** Images as the model normalises them, calibrated as the other commands calibrate. */
    static Samples ofImages(Network net, io.github.lola4j.nn.LabeledImages images, Options o, String source) {
        requireFits(net, images);
        return new Of(images.count(), i -> net.input(images, i), images::label, source, () -> Lola.calibration(net, o));
    }

    /**
     * The CalTech-101 test images' features: from the cache, or computed there when the whole test
     * set is needed, else computed for the images needed only; calibration on training images'
     * features (100 from the cache, else 20 of different classes computed now); and a fresh
     * extraction of one image timed for the report: the client's plaintext work per image.
     */
    private static Samples features(Options o, Network net, int needed, int threads, PrintStream err) throws IOException {
        DeepFeatures deep = DeepFeatures.open(o.has("data") ? Path.of(o.get("data", "")) : null, System::getenv,
                Path.of(System.getProperty("user.home")), o.declares("no-download") && !o.has("no-download"), err);
        LabeledFeatures test = deep.cached(Caltech101.Part.TEST) || needed >= Caltech101.Part.TEST.count()
                ? deep.load(Caltech101.Part.TEST, threads, err)
                : deep.compute(Caltech101.Part.TEST, Math.max(1, needed), threads, err);
        LabeledFeatures train;
        if (deep.cached(Caltech101.Part.TRAIN)) {
            train = deep.load(Caltech101.Part.TRAIN, threads, err);
        } else {
            List<Caltech101.Entry> all = Caltech101.entries(Caltech101.Part.TRAIN);
            List<Caltech101.Entry> spread = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                spread.add(all.get(i * all.size() / 20));
            }
            train = deep.compute(Caltech101.Part.TRAIN, spread, threads, err);
        }
        if (net.inputShape().size() != test.dimension()) {
            throw new UsageException("the model " + net.info().name() + " takes " + net.inputShape().size() + " inputs; the"
                    + " CalTech-101 deep features have " + test.dimension());
        }
        Caltech101.Entry first = Caltech101.entries(Caltech101.Part.TEST).get(0);
        double seconds = Double.POSITIVE_INFINITY;
        for (int run = 0; run < 2; run++) {
            long t0 = System.nanoTime();
            deep.extractor().extract(Caltech101.normalize(deep.data().image(first)));
            seconds = Math.min(seconds, (System.nanoTime() - t0) / 1e9);
        }
        double extraction = seconds;
        err.printf(Locale.ROOT, "client    feature extraction (SqueezeNet 1.1, plaintext, one thread) %.3f s for one image, the"
                + " faster of the first two in this JVM (the JIT still compiling; warm: about 0.17 s, docs/benchmarks.md)%n",
                extraction);
        String source = String.format(Locale.ROOT, "CalTech-101 test images of %s through SqueezeNet 1.1 on the client,"
                + " %.3f s for one image before the JIT warmed up", deep.data().directory(), extraction);
        return new Of(test.count(), test::features, test::label, source, () -> {
            // training images' features, spread over the classes: real value ranges, no test image
            List<double[]> cal = new ArrayList<>();
            int n = Math.min(CalibrationInputs.COUNT, train.count());
            for (int i = 0; i < n; i++) {
                cal.add(train.features(i * train.count() / n));
            }
            return cal;
        });
    }
}
