package io.github.lola4j.data;

import java.net.URI;
import java.util.List;

/**
 * The IDX image data sets lola4j knows how to find, verify and download.
 *
 * <p>Each has the same four files ({@link #FILES}); the SHA-256 sums are those of the
 * <em>uncompressed</em> files, so a gzipped and an uncompressed copy verify alike.
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
            List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")));

    /** Training images, training labels, test images, test labels: the uncompressed file names. */
    public static final List<String> FILES = List.of(
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /** The number of classes of both data sets. */
    public static final int CLASSES = 10;

    private final String id;
    private final String displayName;
    private final String[] sha256;
    private final List<URI> mirrors;

    Dataset(String id, String displayName, String[] sha256, List<URI> mirrors) {
        this.id = id;
        this.displayName = displayName;
        this.sha256 = sha256;
        this.mirrors = mirrors;
    }

    /** The identifier used in folder names, model files and on the command line: {@code mnist}, {@code fashion-mnist}. */
    public String id() {
        return id;
    }

    /** The human-readable name. */
    public String displayName() {
        return displayName;
    }

    /**
     * The expected SHA-256 of one uncompressed file.
     *
     * @param file one of {@link #FILES}
     * @return 64 lowercase hex digits
     * @throws IllegalArgumentException when {@code file} is not one of {@link #FILES}
     */
    public String sha256(String file) {
        int i = FILES.indexOf(file);
        if (i < 0) {
            throw new IllegalArgumentException("sha256: '" + file + "' is not one of " + FILES);
        }
        return sha256[i];
    }

    /** The public mirrors' base URLs (ending in {@code /}); each serves {@code FILE.gz}. */
    public List<URI> mirrors() {
        return mirrors;
    }

    /**
     * Looks a data set up by its {@link #id()}.
     *
     * @param id {@code mnist} or {@code fashion-mnist}
     * @return the data set
     * @throws IllegalArgumentException naming the accepted identifiers when {@code id} is unknown
     */
    public static Dataset byId(String id) {
        for (Dataset d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + id + "', expected mnist or fashion-mnist");
    }
}
