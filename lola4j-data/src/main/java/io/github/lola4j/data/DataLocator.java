package io.github.lola4j.data;

import io.github.lola4j.format.Progress;
import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds a data set's files (MNIST's four IDX files, CIFAR-10's six batches) the way a user expects,
 * in this order:
 * <ol>
 *   <li>an explicit folder (the command line's {@code --data DIR});</li>
 *   <li>the folder named by the environment variable {@value #ENV_VARIABLE};</li>
 *   <li>the per-user cache {@code ~/.cache/lola4j/<id>} ({@code <id>} = {@code mnist},
 *       {@code fashion-mnist} or {@code cifar10});</li>
 *   <li>a download from the public mirrors into that cache (SHA-256 verified, see
 *       {@link DatasetCache}), unless downloads are disabled.</li>
 * </ol>
 * An explicit folder (1 or 2) may hold the files directly or in an {@code <id>/} subfolder.
 * When one is given but holds no complete set, that is an error naming it: an explicit choice is
 * never silently replaced by another source. When nothing is found and the download fails, the
 * error says, a few short lines, what is missing, where it looked (one source a line), where to
 * put the files, which variable to set and where the mirrors are.
 *
 * <p>By default the whole data set is required (training needs it). A locator built with
 * {@link Builder#testSetOnly()} requires only the test files ({@link Dataset#testFiles()}): a
 * folder holding just those is accepted, and a download fetches just those, which is all that
 * evaluating a trained model needs (MNIST: 1.7 MB rather than 11 MB).
 *
 * <p>The environment, the home folder and the mirrors are injectable so that tests can exercise
 * every branch without touching the real ones.
 */
public final class DataLocator {

    /** The environment variable naming a data folder. */
    public static final String ENV_VARIABLE = "LOLA4J_DATA";

    /** Where the files were found. */
    public enum Origin {
        /** The explicit folder ({@code --data}). */
        EXPLICIT("--data"),
        /** The folder named by {@value DataLocator#ENV_VARIABLE}. */
        ENVIRONMENT(ENV_VARIABLE),
        /** The per-user cache, already holding the required files. */
        CACHE("cache"),
        /** The per-user cache, just filled by a download. */
        DOWNLOAD("download");

        private final String label;

        Origin(String label) {
            this.label = label;
        }

        /** A short label for messages. */
        public String label() {
            return label;
        }
    }

    /**
     * A located data folder.
     *
     * @param directory the folder holding the required files
     * @param origin    which rule found it
     */
    public record Location(Path directory, Origin origin) {
        /**
         * Checks the components.
         *
         * @param directory the folder
         * @param origin    the rule
         */
        public Location {
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(origin, "origin");
        }

        @Override
        public String toString() {
            return directory + " (" + origin.label() + ")";
        }
    }

    private final Dataset dataset;
    private final Path explicitDir;
    private final Function<String, String> environment;
    private final Path home;
    private final List<URI> mirrors;
    private final boolean download;
    private final PrintStream progress;
    private final Progress bars;
    private final Duration timeout;
    private final boolean testSetOnly;

    private DataLocator(Builder b) {
        this.dataset = b.dataset;
        this.explicitDir = b.explicitDir;
        this.environment = b.environment;
        this.home = b.home;
        this.mirrors = b.mirrors;
        this.download = b.download;
        this.progress = b.progress;
        this.bars = b.bars;
        this.timeout = b.timeout;
        this.testSetOnly = b.testSetOnly;
    }

    /**
     * Starts a locator for {@code dataset} with the real environment, the real home folder, the
     * data set's own mirrors, downloads enabled and no progress output.
     *
     * @param dataset the data set to find
     * @return a builder
     */
    public static Builder builder(Dataset dataset) {
        return new Builder(Objects.requireNonNull(dataset, "dataset"));
    }

    /** The options of a {@link DataLocator}; every setter returns this builder. */
    public static final class Builder {
        private final Dataset dataset;
        private Path explicitDir;
        private Function<String, String> environment = System::getenv;
        private Path home = Path.of(System.getProperty("user.home", "."));
        private List<URI> mirrors;
        private boolean download = true;
        private PrintStream progress;
        private Progress bars = Progress.none();
        private Duration timeout = Duration.ofSeconds(30);
        private boolean testSetOnly;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        /**
         * The explicit data folder, or null for none.
         *
         * @param dir the folder ({@code --data})
         * @return this builder
         */
        public Builder dataDirectory(Path dir) {
            this.explicitDir = dir;
            return this;
        }

        /**
         * The environment lookup (default {@link System#getenv(String)}).
         *
         * @param environment maps a variable name to its value or null
         * @return this builder
         */
        public Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * The home folder holding {@code .cache/lola4j} (default: the {@code user.home} property).
         *
         * @param home the folder
         * @return this builder
         */
        public Builder homeDirectory(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /**
         * The download mirrors' base URLs, replacing the data set's own (tests use a local server).
         *
         * @param mirrors base URLs ending in {@code /}
         * @return this builder
         */
        public Builder mirrors(List<URI> mirrors) {
            this.mirrors = List.copyOf(mirrors);
            return this;
        }

        /**
         * Whether a missing data set may be downloaded (default true).
         *
         * @param download false to fail instead
         * @return this builder
         */
        public Builder download(boolean download) {
            this.download = download;
            return this;
        }

        /**
         * Where the download progress bar goes (default: nowhere).
         *
         * @param progress usually {@code System.err}; null for silence
         * @return this builder
         */
        public Builder progress(PrintStream progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Where downloads report instead of the text bar of {@link #progress(PrintStream)}: a task
         * per file, a unit per byte (default {@link Progress#none()}: the text bar, if any).
         *
         * @param bars the progress
         * @return this builder
         */
        public Builder downloadProgress(Progress bars) {
            this.bars = Objects.requireNonNull(bars, "bars");
            return this;
        }

        /**
         * The network timeout (default 30 s).
         *
         * @param timeout connect and per-request timeout, positive
         * @return this builder
         * @throws IllegalArgumentException when not positive
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Requires only the test files ({@link Dataset#testFiles()}) rather than the whole data set:
         * a folder holding them is accepted, a download fetches only them, and only
         * {@link DataLocator#loadTestSet()} may load (for {@code eval}, {@code infer} and the
         * client, which never read the training set).
         *
         * @return this builder
         */
        public Builder testSetOnly() {
            this.testSetOnly = true;
            return this;
        }

        /** Builds the locator. */
        public DataLocator build() {
            return new DataLocator(this);
        }
    }

    /** The data set this locator finds. */
    public Dataset dataset() {
        return dataset;
    }

    /**
     * The files a folder must hold to be accepted: {@link Dataset#files()}, or
     * {@link Dataset#testFiles()} for a locator built with {@link Builder#testSetOnly()}.
     *
     * @return the uncompressed names
     */
    public List<String> requiredFiles() {
        return testSetOnly ? dataset.testFiles() : dataset.files();
    }

    /** The cache folder of this data set: {@code home/.cache/lola4j/<id>}. */
    public Path cacheDirectory() {
        return cache().directory(dataset);
    }

    private DatasetCache cache() {
        return new DatasetCache(DatasetCache.defaultRoot(home), mirrors, progress, timeout).withProgress(bars);
    }

    /**
     * Finds the data without downloading: explicit folder, environment, cache.
     *
     * @return the location, or empty when no explicit folder is given and the cache is incomplete
     * @throws IOException when an explicit folder ({@code --data} or {@value #ENV_VARIABLE}) is
     *                     given but holds not all of {@link #requiredFiles()}
     */
    public Optional<Location> locateLocally() throws IOException {
        if (explicitDir != null) {
            return Optional.of(new Location(resolveExplicit(explicitDir, "--data " + explicitDir), Origin.EXPLICIT));
        }
        String env = environment.apply(ENV_VARIABLE);
        if (env != null && !env.isBlank()) {
            Path dir = Path.of(env.trim());
            return Optional.of(new Location(resolveExplicit(dir, ENV_VARIABLE + "=" + env.trim()), Origin.ENVIRONMENT));
        }
        Path cached = cacheDirectory();
        if (Dataset.missing(cached, requiredFiles()).isEmpty()) {
            return Optional.of(new Location(cached, Origin.CACHE));
        }
        return Optional.empty();
    }

    /**
     * Finds the data, downloading it into the cache when allowed and nothing local is found.
     *
     * @return the location
     * @throws IOException when an explicit folder is wrong, or nothing is found and the download
     *                     is disabled or fails; the message says where to put the files
     */
    public Location locate() throws IOException {
        Optional<Location> local = locateLocally();
        if (local.isPresent()) {
            return local.get();
        }
        DatasetCache cache = cache();
        if (!download) {
            throw new IOException(notFound("disabled"));
        }
        try {
            return new Location(cache.download(dataset, requiredFiles()), Origin.DOWNLOAD);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException(notFound("failed: " + DatasetCache.reason(e)), e);
        }
    }

    /**
     * Locates and loads the training and test sets.
     *
     * @return the data
     * @throws IOException           when the data cannot be found, or a file is corrupt
     * @throws IllegalStateException when the locator was built with {@link Builder#testSetOnly()}
     */
    public Split load() throws IOException {
        if (testSetOnly) {
            throw new IllegalStateException("load: this " + dataset.displayName() + " locator was built with testSetOnly(),"
                    + " so it finds no training set; use loadTestSet(), or a locator without testSetOnly()");
        }
        return dataset.load(locate().directory());
    }

    /**
     * Locates the data and loads only the test set.
     *
     * @return the test set
     * @throws IOException when the data cannot be found, or a test file is corrupt
     */
    public LabeledImages loadTestSet() throws IOException {
        return dataset.loadTestSet(locate().directory());
    }

    private Path resolveExplicit(Path dir, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(what + ": no such folder.\n" + howToFix());
        }
        List<String> missingHere = Dataset.missing(dir, requiredFiles());
        if (missingHere.isEmpty()) {
            return dir;
        }
        Path sub = dir.resolve(dataset.id());
        if (Files.isDirectory(sub) && Dataset.missing(sub, requiredFiles()).isEmpty()) {
            return sub;
        }
        List<String[]> looked = List.of(
                new String[] {dir.toString(), folderState(dir)},
                new String[] {sub.toString(), folderState(sub)});
        throw new IOException(what + ": " + (testSetOnly ? "no " + dataset.displayName() + " test set there."
                : "no complete " + dataset.displayName() + " data set there.") + "\nLooked in:" + table(looked)
                + "\n" + howToFix());
    }

    private String notFound(String downloadOutcome) {
        String env = environment.apply(ENV_VARIABLE);
        Path cached = cacheDirectory();
        String state = folderState(cached);
        List<String[]> looked = List.of(
                new String[] {"--data", "not given"},
                new String[] {ENV_VARIABLE, env == null || env.isBlank() ? "not set" : "= " + env},
                new String[] {"cache", cached + (state.startsWith("missing") ? ": " : " ") + state},
                new String[] {"download", downloadOutcome});
        return dataset.displayName() + (testSetOnly ? " test set" : "") + " not found.\nLooked in:" + table(looked)
                + "\n" + howToFix();
    }

    /**
     * What a folder lacks: "(no such folder)", "(none of the needed files)", or "missing a[.gz],
     * b[.gz]" when it holds some (listing all six CIFAR-10 batches would make a line of 130 characters).
     */
    private String folderState(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "(no such folder)";
        }
        List<String> missing = Dataset.missing(dir, requiredFiles());
        return missing.size() == requiredFiles().size() ? "(none of the needed files)"
                : "missing " + String.join(", ", withGz(missing));
    }

    /**
     * One indented line per source, the names in a column; a value's own line breaks (the download's
     * one failure per mirror) are indented under it.
     */
    private static String table(List<String[]> rows) {
        int width = 0;
        for (String[] r : rows) {
            width = Math.max(width, r[0].length());
        }
        StringBuilder sb = new StringBuilder();
        String pad = " ".repeat(width + 4);
        for (String[] r : rows) {
            sb.append("\n  ").append(r[0]).append(" ".repeat(width + 2 - r[0].length()))
                    .append(r[1].replace("\n", "\n" + pad));
        }
        return sb.toString();
    }

    /** The files needed, what to do with them and where they are published: four short lines. */
    private String howToFix() {
        List<String> urls = new ArrayList<>();
        for (URI m : cache().mirrors(dataset)) {
            urls.add(m.toString());
        }
        List<String> files = requiredFiles();
        String where = dataset.archive() == null ? "They are on " + String.join(" and ", urls) + " (as FILE.gz)."
                : "They are inside " + dataset.archive() + " on " + String.join(" and ", urls) + ".";
        return "Needed: " + String.join(", ", files) + (files.size() == 1 ? " (gzipped or not)." : " (each gzipped or not).")
                + "\nPut " + (files.size() == 1 ? "it" : "them") + " in a folder and pass --data DIR or set "
                + ENV_VARIABLE + "=DIR,\nor copy " + (files.size() == 1 ? "it" : "them") + " into " + cacheDirectory()
                + ".\n" + where;
    }

    private static List<String> withGz(List<String> files) {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            out.add(f + "[.gz]");
        }
        return out;
    }
}
