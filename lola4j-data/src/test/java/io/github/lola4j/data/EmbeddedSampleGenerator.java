package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the sample embedded in the jar: the first {@value Mnist#SAMPLE_SIZE} images and labels of
 * the MNIST test set, as gzipped IDX files. Run from the project root after {@code mvn test-compile}:
 * <pre>
 * java -cp target/classes:target/test-classes io.github.lola4j.data.EmbeddedSampleGenerator \
 *     ../shared/data/mnist src/main/resources/io/github/lola4j/data
 * </pre>
 * The output is deterministic (the gzip header carries no time stamp); {@link EmbeddedSampleTest}
 * checks that the embedded files equal what this would write.
 */
public final class EmbeddedSampleGenerator {

    private EmbeddedSampleGenerator() {
    }

    /**
     * Generates the sample.
     *
     * @param args the MNIST folder and the output folder
     * @throws IOException when reading or writing fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: EmbeddedSampleGenerator MNIST_DIR OUT_DIR");
            System.exit(2);
        }
        LabeledImages sample = sample(Path.of(args[0]));
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        IdxArray.images(sample).write(out.resolve("mnist-sample-t10k-images-idx3-ubyte.gz"));
        IdxArray.labels(sample).write(out.resolve("mnist-sample-t10k-labels-idx1-ubyte.gz"));
        System.out.println("wrote " + sample.count() + " images and labels to " + out);
    }

    /** The first {@value Mnist#SAMPLE_SIZE} test images of the MNIST folder {@code dir}. */
    static LabeledImages sample(Path dir) throws IOException {
        return Mnist.loadTestSet(dir, Dataset.MNIST).subset(0, Mnist.SAMPLE_SIZE);
    }
}
