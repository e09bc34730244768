package io.github.lola4j.cli;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The test set a command evaluates on, from the shared options {@code --dataset}, {@code --data}
 * and {@code --no-download}: the data set recorded in the model unless one is named, located as
 * {@link DataLocator} does in its test-set-only mode (a folder needs only the test files, and a
 * download fetches only those, with progress on err unless forbidden, or unless the command
 * offers no {@code --no-download}: demo never downloads).
 *
 * <p>When MNIST is wanted and nothing is found (no {@code --data}, no {@code LOLA4J_DATA}, nothing
 * in the cache) and no download succeeds, the {@value Mnist#SAMPLE_SIZE} MNIST test images embedded
 * in the jar are used instead, with one note on err saying so. A test set cannot know how many
 * images its caller needs, so it only says what it is: a caller that needs more than the sample
 * holds (the whole test set, an image index of {@value Mnist#SAMPLE_SIZE} or more) checks
 * {@link #embedded()} and refuses or says so, and an accuracy measured on the sample is not the
 * model's accuracy. An explicit folder ({@code --data}, {@code LOLA4J_DATA}) that lacks the test
 * files stays an error naming it, and the other data sets have no sample: for them, nothing found
 * is an error naming the data set and {@code --data}.
 *
 * @param images   the test images
 * @param where    where they come from, for reports: the folder and the rule that found it
 *                 ({@code ../shared/data/mnist (--data)}), or the embedded sample
 * @param dataset  the data set
 * @param embedded true when {@code images} are the {@value Mnist#SAMPLE_SIZE} MNIST test images
 *                 embedded in the jar rather than a data set's full test set
 */
record TestSet(LabeledImages images, String where, Dataset dataset, boolean embedded) {

    /**
     * A test set found in a folder (the form before the embedded fallback existed).
     *
     * @param images  the test images
     * @param where   the folder and the rule that found it
     * @param dataset the data set
     */
    TestSet(LabeledImages images, DataLocator.Location where, Dataset dataset) {
        this(images, where.toString(), dataset, false);
    }

    static TestSet load(Options o, Network net, PrintStream err) throws IOException {
        return load(o, net.info().dataset(), err);
    }

    /** The test set of {@code --dataset}, or of the given data set id when the option is absent. */
    static TestSet load(Options o, String defaultDataset, PrintStream err) throws IOException {
        return load(o, defaultDataset, err, UnaryOperator.identity());
    }

    /**
     * As {@link #load(Options, String, PrintStream)}, with the locator adjusted by {@code setup}
     * before it is built: tests give it their own environment, home folder and mirrors.
     */
    static TestSet load(Options o, String defaultDataset, PrintStream err, UnaryOperator<DataLocator.Builder> setup)
            throws IOException {
        Dataset dataset;
        try {
            dataset = Dataset.byId(o.get("dataset", defaultDataset));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean download = o.declares("no-download") && !o.has("no-download");
        DataLocator locator = setup.apply(DataLocator.builder(dataset).testSetOnly()
                .dataDirectory(o.has("data") ? Path.of(o.get("data", "")) : null)
                .download(download).progress(o.given("quiet") ? null : err).downloadProgress(o.progress())).build();
        // a wrong explicit folder throws here, before any fallback: it is never replaced by the sample
        Optional<DataLocator.Location> local = locator.locateLocally();
        DataLocator.Location where;
        if (local.isPresent()) {
            where = local.get();
        } else if (dataset != Dataset.MNIST) {
            where = locator.locate();
        } else {
            try {
                where = locator.locate();
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // nothing local and no download: the sample lets eval, infer and the client still run
                LabeledImages sample = Mnist.embeddedSample();
                err.println("note: MNIST test set not found (" + (download ? "download failed" : "downloads off")
                        + "), so the " + sample.count() + " test images embedded in the jar are used; for all 10,000"
                        + " pass --data DIR or set " + DataLocator.ENV_VARIABLE + "=DIR");
                return new TestSet(sample, "the " + sample.count() + " MNIST test images embedded in the jar", dataset,
                        true);
            }
        }
        return new TestSet(dataset.loadTestSet(where.directory()), where, dataset);
    }
}
