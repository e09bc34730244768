package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * MNIST (or Fashion-MNIST, same format): a training set and a test set of 28x28 greyscale images
 * with labels 0..9, kept as raw bytes.
 *
 * <p>A data folder holds the four IDX files of {@link Dataset#FILES}, each either gzipped (name
 * ending in {@code .gz}) or not; when both exist the uncompressed one is read. Use
 * {@link DataLocator} to find such a folder the way the command line does.
 */
public final class Mnist {

    /** Classpath folder of the embedded sample, see {@link #embeddedSample()}. */
    public static final String SAMPLE_RESOURCE_DIR = "/io/github/lola4j/data/";

    /** The number of test images in the embedded sample. */
    public static final int SAMPLE_SIZE = 100;

    private final Dataset dataset;
    private final LabeledImages train;
    private final LabeledImages test;

    private Mnist(Dataset dataset, LabeledImages train, LabeledImages test) {
        this.dataset = dataset;
        this.train = train;
        this.test = test;
    }

    /**
     * Loads MNIST's training and test sets from a folder holding the four files.
     *
     * @param dir the folder
     * @return the data set
     * @throws IOException when a file is missing, unreadable, truncated or corrupt
     */
    public static Mnist load(Path dir) throws IOException {
        return load(dir, Dataset.MNIST);
    }

    /**
     * Loads a data set's training and test sets from a folder holding the four files.
     *
     * @param dir     the folder
     * @param dataset which data set the files are (recorded, and used in messages)
     * @return the data set
     * @throws IOException when a file is missing, unreadable, truncated or corrupt
     */
    public static Mnist load(Path dir, Dataset dataset) throws IOException {
        LabeledImages train = read(dir, dataset, 0, "train");
        LabeledImages test = read(dir, dataset, 2, "test");
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new IOException(dir + ": training images are " + train.rows() + "x" + train.cols()
                    + " but test images " + test.rows() + "x" + test.cols());
        }
        return new Mnist(dataset, train, test);
    }

    /**
     * Loads only the test set (faster than {@link #load(Path, Dataset)}: the training images are
     * not read).
     *
     * @param dir     the folder
     * @param dataset which data set the files are
     * @return the test set
     * @throws IOException when a test file is missing, unreadable, truncated or corrupt
     */
    public static LabeledImages loadTestSet(Path dir, Dataset dataset) throws IOException {
        return read(dir, dataset, 2, "test");
    }

    private static LabeledImages read(Path dir, Dataset dataset, int first, String part) throws IOException {
        Path images = require(dir, Dataset.FILES.get(first));
        Path labels = require(dir, Dataset.FILES.get(first + 1));
        IdxArray img = IdxArray.read(images);
        IdxArray lab = IdxArray.read(labels);
        try {
            return IdxArray.labeledImages(dataset.id() + " " + part, img, lab, Dataset.CLASSES);
        } catch (IllegalArgumentException e) {
            throw new IOException(images + " / " + labels.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static Path require(Path dir, String name) throws IOException {
        Path p = find(dir, name);
        if (p == null) {
            throw new NoSuchFileException(dir.resolve(name + ".gz").toString(), null,
                    "neither " + name + " nor " + name + ".gz in " + dir);
        }
        return p;
    }

    /**
     * The file {@code dir/name}, else {@code dir/name.gz}, else null.
     */
    static Path find(Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /**
     * The sample embedded in the jar: the first {@value #SAMPLE_SIZE} images and labels of the
     * MNIST test set ({@code t10k}), unchanged.
     *
     * <p>MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, licensed CC BY-SA 3.0;
     * see {@code NOTICE-mnist-sample.txt} beside the files. The sample is for demonstrations only;
     * accuracy figures need the full test set.
     *
     * @return the sample, named {@code "mnist test sample"}
     * @throws IllegalStateException when the jar's resources are missing or corrupt (a build defect)
     */
    public static LabeledImages embeddedSample() {
        try {
            IdxArray images = resource("mnist-sample-t10k-images-idx3-ubyte.gz");
            IdxArray labels = resource("mnist-sample-t10k-labels-idx1-ubyte.gz");
            return IdxArray.labeledImages("mnist test sample", images, labels, Dataset.CLASSES);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("embedded MNIST sample unreadable: " + e.getMessage(), e);
        }
    }

    private static IdxArray resource(String name) throws IOException {
        String path = SAMPLE_RESOURCE_DIR + name;
        try (InputStream in = Mnist.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("resource " + path + " not found on the classpath");
            }
            return IdxArray.read(in, path);
        }
    }

    /** Which data set this is. */
    public Dataset dataset() {
        return dataset;
    }

    /** The training set (MNIST: 60,000 images). */
    public LabeledImages train() {
        return train;
    }

    /** The test set (MNIST: 10,000 images). */
    public LabeledImages test() {
        return test;
    }

    @Override
    public String toString() {
        return dataset.displayName() + ": " + train + ", " + test;
    }
}
