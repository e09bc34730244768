package io.github.lola4j.examples;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Example 5, models and data in plaintext: a shipped model, the MNIST test set found the way the
 * command line finds it (a folder, {@code LOLA4J_DATA}, the cache, else a verified download), a
 * prediction with the model's own preprocessing, and a look at a convolution's weights
 * (docs/models.md).
 */
public final class E05ModelFiles {

    private E05ModelFiles() {
    }

    /**
     * Runs the example.
     *
     * @param args optionally the data folder (as {@code --data}); else the usual lookup
     * @throws IOException when the model or the data cannot be read or fetched
     */
    public static void main(String[] args) throws IOException {
        run(args.length > 0 ? Path.of(args[0]) : null, System.out);
    }

    /**
     * Runs the example.
     *
     * @param dataDir the data folder, or null for the usual lookup
     * @param print   where to print
     * @return the predicted class of test image 0
     * @throws IOException when the model or the data cannot be read or fetched
     */
    public static int run(Path dataDir, PrintStream print) throws IOException {
        double first = Double.NaN;
        // snippet model-files
        Network net = ModelRegistry.load("lola");                 // or Network.load(Path.of("my.model"))
        LabeledImages test = DataLocator.builder(Dataset.MNIST).dataDirectory(dataDir).build().loadTestSet();
        int label = net.predict(net.input(test, 0));              // preprocessing from the metadata
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i) instanceof Conv2d conv) {
                double w = conv.weight(0, 0, 2, 3);               // [out][in][kr][kc]
                first = Double.isNaN(first) ? w : first;
            }
        }
        // end snippet
        print.printf(Locale.ROOT, "%s: test image 0 is a %d, predicted %d; the first convolution's weight [0][0][2][3] is %.4f%n",
                net.info().name(), test.label(0), label, first);
        return label;
    }
}
