package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image data sets lola4j knows how to find, verify and download.
 *
 * <p>MNIST and Fashion-MNIST have the same four IDX files ({@link #FILES}), each served gzipped by
 * the mirrors; CIFAR-10 has its six binary batches ({@link Cifar10#FILES}), served inside one
 * tarball ({@link #archive()}). The SHA-256 sums are those of the <em>uncompressed</em> files, so a
 * gzipped and an uncompressed copy verify alike.
 */
public enum Dataset {

    /**
     * MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges), CC BY-SA 3.0: 60,000
     * training and 10,000 test images of 28x28 pixels.
     */
    MNIST("mnist", "MNIST",
            new String[] {
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
            List.of(URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
                    URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"))),

    /**
     * Fashion-MNIST (Zalando Research), MIT licence: 10 clothing classes in MNIST's format and sizes.
     */
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST",
            new String[] {
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
            List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"))),

    /**
     * CIFAR-10 (A. Krizhevsky, 2009; research use with citation): 50,000 training and 10,000 test
     * colour images of 3x32x32, 10 classes, in the binary version's six batches.
     */
    CIFAR10("cifar10", "CIFAR-10", Cifar10.FILES,
            new String[] {
                "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
                "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
                "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
                "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
                "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
                "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b"},
            List.of(URI.create("https://www.cs.toronto.edu/~kriz/")), "cifar-10-binary.tar.gz");

    /**
     * The IDX data sets' files: training images, training labels, test images, test labels (the
     * uncompressed names).
     */
    public static final List<String> FILES = List.of(
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /** The number of classes of every data set here. */
    public static final int CLASSES = 10;

    private final String id;
    private final String displayName;
    private final List<String> files;
    private final String[] sha256;
    private final List<URI> mirrors;
    private final String archive;

    Dataset(String id, String displayName, String[] sha256, List<URI> mirrors) {
        // Enum constants are built before the enum's static fields, so FILES cannot be used here.
        this(id, displayName, List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte"), sha256, mirrors, null);
    }

    Dataset(String id, String displayName, List<String> files, String[] sha256, List<URI> mirrors, String archive) {
        this.id = id;
        this.displayName = displayName;
        this.files = files;
        this.sha256 = sha256;
        this.mirrors = mirrors;
        this.archive = archive;
    }

    /**
     * The identifier used in folder names, model files and on the command line: {@code mnist},
     * {@code fashion-mnist}, {@code cifar10}.
     */
    public String id() {
        return id;
    }

    /** The human-readable name. */
    public String displayName() {
        return displayName;
    }

    /** The uncompressed names of this data set's files ({@link #FILES} or {@link Cifar10#FILES}). */
    public List<String> files() {
        return files;
    }

    /**
     * The files of the test set alone, a subset of {@link #files()}: {@code t10k-images-idx3-ubyte}
     * and {@code t10k-labels-idx1-ubyte} for MNIST and Fashion-MNIST, {@code test_batch.bin} for
     * CIFAR-10. They are all that {@link #loadTestSet(Path)} reads.
     *
     * @return the uncompressed names
     */
    public List<String> testFiles() {
        // the test files are the last of each list (Dataset.FILES, Cifar10.FILES)
        return files.subList(this == CIFAR10 ? files.size() - 1 : files.size() - 2, files.size());
    }

    /**
     * The expected SHA-256 of one uncompressed file.
     *
     * @param file one of {@link #files()}
     * @return 64 lowercase hex digits
     * @throws IllegalArgumentException when {@code file} is not one of {@link #files()}
     */
    public String sha256(String file) {
        int i = files.indexOf(file);
        if (i < 0) {
            throw new IllegalArgumentException("sha256: '" + file + "' is not one of " + files);
        }
        return sha256[i];
    }

    /**
     * The public mirrors' base URLs (ending in {@code /}); each serves {@code FILE.gz} for every file,
     * or the {@link #archive()} when there is one.
     */
    public List<URI> mirrors() {
        return mirrors;
    }

    /**
     * The name of the tarball the mirrors serve all files in ({@code cifar-10-binary.tar.gz}), or
     * null when they serve each file on its own.
     */
    public String archive() {
        return archive;
    }

    /**
     * The files of {@link #files()} missing from a folder (in neither the plain nor the gzipped form).
     *
     * @param dir the folder
     * @return the missing names, empty when the set is complete
     */
    public List<String> missing(Path dir) {
        return missing(dir, files);
    }

    /** Those of {@code wanted} missing from a folder (in neither the plain nor the gzipped form). */
    static List<String> missing(Path dir, List<String> wanted) {
        List<String> out = new ArrayList<>();
        for (String f : wanted) {
            if (Mnist.find(dir, f) == null) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Loads the training and test sets from a folder holding this data set's files.
     *
     * @param dir the folder
     * @return both sets
     * @throws IOException when a file is missing, unreadable, truncated or corrupt
     */
    public Split load(Path dir) throws IOException {
        if (this == CIFAR10) {
            return Cifar10.load(dir);
        }
        Mnist m = Mnist.load(dir, this);
        return new Split(this, m.train(), m.test());
    }

    /**
     * Loads only the test set.
     *
     * @param dir the folder
     * @return the test set
     * @throws IOException when a test file is missing, unreadable, truncated or corrupt
     */
    public LabeledImages loadTestSet(Path dir) throws IOException {
        return this == CIFAR10 ? Cifar10.loadTestSet(dir) : Mnist.loadTestSet(dir, this);
    }

    /**
     * Looks a data set up by its {@link #id()}.
     *
     * @param id {@code mnist}, {@code fashion-mnist} or {@code cifar10}
     * @return the data set
     * @throws IllegalArgumentException naming the accepted identifiers when {@code id} is unknown
     */
    public static Dataset byId(String id) {
        for (Dataset d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + id + "', expected mnist, fashion-mnist or cifar10");
    }
}
