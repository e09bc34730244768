package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The inputs a network's compilation is calibrated on by default: the ones the command line
 * ({@code lola4j demo}, {@code plan}, {@code infer}, ...) uses, so that a library user who passes
 * them to the compiler gets the plan {@code lola4j plan} prints.
 *
 * <p>The compiler measures each layer's value range on calibration inputs and chooses its scales
 * and parameters from them; other inputs can give another plan. The policy, in order:
 * <ol>
 *   <li>a network of MNIST's shape ({@code 1x28x28}) gets the {@value Mnist#SAMPLE_SIZE} MNIST test
 *       images embedded in the jar ({@link Mnist#embeddedSample()}), whatever data is found, so that
 *       the plan is the same on every machine, with or without data ({@link Source#EMBEDDED_SAMPLE});</li>
 *   <li>any other network gets the first {@value #COUNT} test images of its data set
 *       ({@link io.github.lola4j.nn.ModelInfo#dataset()}, or the locator's) when they are found
 *       locally, so that the ranges are those of real images ({@link Source#TEST_SET}): the locator's
 *       folder, {@value DataLocator#ENV_VARIABLE}, the cache ({@link DataLocator#locateLocally()}),
 *       <em>never a download</em>;</li>
 *   <li>otherwise none ({@link Source#NONE}): the compiler then draws its own synthetic inputs and
 *       its report says so. A missing or incomplete folder, a data set lola4j does not read, or test
 *       images of another shape end here rather than in an exception; {@link #toString()} says which.</li>
 * </ol>
 * Each image becomes an input through the model's own normalization ({@link Network#input}).
 *
 * <pre>{@code
 * Network net = ModelRegistry.load("lola-cifar");
 * Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CalibrationInputs.of(net).inputs()));
 * }</pre>
 *
 * <p>Instances are immutable: {@link #inputs()} returns fresh arrays.
 */
public final class CalibrationInputs {

    /** How many test images calibrate a network that is not of MNIST's shape: the first 100. */
    public static final int COUNT = 100;

    /** Which step of the policy chose the inputs. */
    public enum Source {
        /** The {@value Mnist#SAMPLE_SIZE} MNIST test images embedded in the jar (networks of {@code 1x28x28}). */
        EMBEDDED_SAMPLE,
        /** The first {@value CalibrationInputs#COUNT} test images of the data set, found locally. */
        TEST_SET,
        /** None: the compiler's synthetic inputs. */
        NONE
    }

    private static final Shape MNIST_SHAPE = Shape.of(1, 28, 28);

    private final List<double[]> inputs;
    private final Source source;
    private final String description;

    private CalibrationInputs(List<double[]> inputs, Source source, String description) {
        this.inputs = inputs;
        this.source = source;
        this.description = description;
    }

    /**
     * The default calibration inputs of a network, with the test set (step 2) looked for where
     * {@link DataLocator} looks without an explicit folder: {@value DataLocator#ENV_VARIABLE}, then
     * the cache of the network's data set ({@link io.github.lola4j.nn.ModelInfo#dataset()}).
     *
     * @param net the network
     * @return the inputs and where they came from
     */
    public static CalibrationInputs of(Network net) {
        Objects.requireNonNull(net, "net");
        if (fitsEmbeddedSample(net)) {
            return embedded(net);
        }
        String id = net.info().dataset();
        Dataset dataset;
        try {
            dataset = Dataset.byId(id);
        } catch (IllegalArgumentException e) {
            return none("the model's data set '" + id + "' is none that lola4j reads test images of");
        }
        return of(net, DataLocator.builder(dataset).testSetOnly().download(false).build());
    }

    /**
     * The default calibration inputs of a network, with the test set (step 2) looked for by a
     * given locator: its data set (which replaces the network's), its folder, environment and home.
     * Only {@link DataLocator#locateLocally()} is called: whatever the locator's download setting,
     * nothing is downloaded. Build it with {@link DataLocator.Builder#testSetOnly()} to accept a
     * folder that holds the test files alone.
     *
     * @param net     the network
     * @param locator where to look for the test set of a network not of MNIST's shape
     * @return the inputs and where they came from
     */
    public static CalibrationInputs of(Network net, DataLocator locator) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(locator, "locator");
        if (fitsEmbeddedSample(net)) {
            return embedded(net);
        }
        Dataset dataset = locator.dataset();
        Optional<DataLocator.Location> where;
        LabeledImages test;
        try {
            where = locator.locateLocally();
            if (where.isEmpty()) {
                return none(dataset.displayName() + " test set not found locally (no folder given, "
                        + DataLocator.ENV_VARIABLE + " not set, nothing in " + locator.cacheDirectory() + ")");
            }
            test = dataset.loadTestSet(where.get().directory());
        } catch (IOException e) {
            // an explicit folder without the files, or a corrupt file: the message's first line says which
            return none(firstLine(e.getMessage()));
        }
        if (!net.fits(test)) {
            return none(String.format(Locale.ROOT, "the %s test images are %dx%dx%d, the network takes %s",
                    dataset.displayName(), test.channels(), test.rows(), test.cols(), net.inputShape()));
        }
        int n = Math.min(COUNT, test.count());
        return new CalibrationInputs(inputs(net, test, n), Source.TEST_SET,
                "the first " + n + " " + dataset.displayName() + " test images, from " + where.get());
    }

    private static boolean fitsEmbeddedSample(Network net) {
        // the shape alone decides, so the sample is read only when it is used
        return net.inputShape().equals(MNIST_SHAPE);
    }

    private static CalibrationInputs embedded(Network net) {
        LabeledImages sample = Mnist.embeddedSample();
        int n = Math.min(COUNT, sample.count());
        return new CalibrationInputs(inputs(net, sample, n), Source.EMBEDDED_SAMPLE,
                "the " + n + " MNIST test images embedded in the jar");
    }

    private static CalibrationInputs none(String why) {
        return new CalibrationInputs(List.of(), Source.NONE, "none (" + why + "): the compiler's synthetic inputs");
    }

    private static List<double[]> inputs(Network net, LabeledImages images, int n) {
        List<double[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(net.input(images, i));
        }
        return List.copyOf(out);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /**
     * The inputs, each of the network's {@code inputShape().size()} values, as the model's
     * normalization makes them; empty for {@link Source#NONE}. An empty list given to
     * {@code CompileOptions.withCalibration} leaves the compiler's synthetic inputs.
     *
     * @return an unmodifiable list of fresh arrays
     */
    public List<double[]> inputs() {
        List<double[]> out = new ArrayList<>(inputs.size());
        for (double[] x : inputs) {
            out.add(x.clone());
        }
        return List.copyOf(out);
    }

    /** How many inputs: {@value #COUNT} at most, 0 for {@link Source#NONE}. */
    public int count() {
        return inputs.size();
    }

    /** Which step of the policy chose them. */
    public Source source() {
        return source;
    }

    /**
     * Where the inputs came from, for a report: {@code the 100 MNIST test images embedded in the
     * jar}, {@code the first 100 CIFAR-10 test images, from DIR (--data)}, or {@code none (WHY): the
     * compiler's synthetic inputs}.
     */
    @Override
    public String toString() {
        return description;
    }
}
