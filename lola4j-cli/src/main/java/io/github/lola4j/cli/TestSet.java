package io.github.lola4j.cli;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The test set a command evaluates on, from the shared options {@code --dataset}, {@code --data}
 * and {@code --no-download}: the data set recorded in the model unless one is named, located as
 * {@link DataLocator} does (downloading with progress on err unless forbidden, or unless the
 * command offers no {@code --no-download}: demo never downloads).
 *
 * @param images  the test images
 * @param where   where they were found
 * @param dataset the data set
 */
record TestSet(LabeledImages images, DataLocator.Location where, Dataset dataset) {

    static TestSet load(Options o, Network net, PrintStream err) throws IOException {
        return load(o, net.info().dataset(), err);
    }

    /** The test set of {@code --dataset}, or of the given data set id when the option is absent. */
    static TestSet load(Options o, String defaultDataset, PrintStream err) throws IOException {
        Dataset dataset;
        try {
            dataset = Dataset.byId(o.get("dataset", defaultDataset));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        DataLocator.Location where = DataLocator.builder(dataset).dataDirectory(o.has("data") ? Path.of(o.get("data", "")) : null)
                .download(o.declares("no-download") && !o.has("no-download")).progress(err).build().locate();
        return new TestSet(dataset.loadTestSet(where.directory()), where, dataset);
    }
}
