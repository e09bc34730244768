package io.github.lola4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import io.github.lola4j.format.Progress;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * The per-user download cache of data sets ({@code ~/.cache/lola4j/<id>} by default) and the
 * downloader that fills it.
 *
 * <p>A download fetches {@code BASE/FILE.gz} (or, for CIFAR-10, the tarball {@link Dataset#archive()},
 * whose wanted members are extracted and verified one by one) from each mirror in turn until one
 * succeeds. The
 * content goes to a temporary file in the cache folder, its decompressed bytes are hashed and
 * compared with {@link Dataset#sha256(String)}, and only a verified file is renamed to its final
 * name: a failed, interrupted or corrupt download never leaves a file that a later run would read.
 * Progress goes to the given stream as a one-line bar.
 */
public final class DatasetCache {

    /** Refuse to download more than this per file (MNIST's largest is 9.9 MB gzipped, CIFAR-10's tarball 170 MB). */
    static final long MAX_DOWNLOAD_BYTES = 200L << 20;

    private final Path root;
    private final List<URI> mirrors;
    private final PrintStream progress;
    private final Duration timeout;
    private final Progress bars;

    /**
     * Creates a cache.
     *
     * @param root     the cache root; data set {@code d} lives in {@code root/d.id()}
     * @param mirrors  base URLs to download from instead of each data set's own
     *                 {@link Dataset#mirrors()}, or null for those
     * @param progress where the progress bar goes (standard error), or null for silence
     * @param timeout  connect and per-request timeout
     * @throws NullPointerException when {@code root} or {@code timeout} is null
     */
    public DatasetCache(Path root, List<URI> mirrors, PrintStream progress, Duration timeout) {
        this.root = Objects.requireNonNull(root, "root");
        this.mirrors = mirrors == null ? null : List.copyOf(mirrors);
        this.progress = progress;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.bars = Progress.none();
    }

    private DatasetCache(DatasetCache c, Progress bars) {
        this.root = c.root;
        this.mirrors = c.mirrors;
        this.progress = c.progress;
        this.timeout = c.timeout;
        this.bars = bars;
    }

    /**
     * The same cache, reporting each download to {@code bars} (a task per file, a unit per byte)
     * instead of drawing its own text bar: a command line's bars look alike and stay quiet when
     * asked to.
     *
     * @param bars where downloads report; {@link Progress#none()} for the text bar (or silence)
     * @return the cache
     */
    public DatasetCache withProgress(Progress bars) {
        return new DatasetCache(this, Objects.requireNonNull(bars, "bars"));
    }

    /**
     * The default cache root under a home folder: {@code home/.cache/lola4j}.
     *
     * @param home the user's home folder
     * @return the root
     */
    public static Path defaultRoot(Path home) {
        return home.resolve(".cache").resolve("lola4j");
    }

    /**
     * The folder holding one data set's files.
     *
     * @param dataset the data set
     * @return {@code root/dataset.id()}
     */
    public Path directory(Dataset dataset) {
        return root.resolve(dataset.id());
    }

    /**
     * The base URLs a download of {@code dataset} tries, in order.
     *
     * @param dataset the data set
     * @return the injected mirrors, or the data set's own
     */
    public List<URI> mirrors(Dataset dataset) {
        return mirrors != null ? mirrors : dataset.mirrors();
    }

    /**
     * Downloads every file of {@code dataset} missing from its cache folder, verifying each.
     *
     * @param dataset the data set
     * @return the cache folder, now complete
     * @throws IOException when a file could not be fetched from any mirror or failed verification
     *                     everywhere; the message lists each mirror's failure
     */
    public Path download(Dataset dataset) throws IOException {
        return download(dataset, dataset.files());
    }

    /**
     * Downloads those of {@code files} missing from the data set's cache folder, verifying each:
     * {@code dataset.testFiles()} fetches only the test set (MNIST's two {@code t10k} files; for
     * CIFAR-10 the tarball is still fetched whole, as the mirror serves nothing smaller, but only
     * {@code test_batch.bin} is extracted and kept).
     *
     * @param dataset the data set
     * @param files   some of {@code dataset.files()}, not empty
     * @return the cache folder, now holding {@code files}
     * @throws IllegalArgumentException when {@code files} is empty or names a file that is not one
     *                                  of {@code dataset.files()}
     * @throws IOException              when a file could not be fetched from any mirror or failed
     *                                  verification everywhere; the message lists each mirror's
     *                                  failure, one a line
     */
    public Path download(Dataset dataset, List<String> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("download: files is empty, expected some of " + dataset.files());
        }
        for (String f : files) {
            if (!dataset.files().contains(f)) {
                throw new IllegalArgumentException("download: files names '" + f + "', expected only files of "
                        + dataset.displayName() + ": " + dataset.files());
            }
        }
        Path dir = directory(dataset);
        Files.createDirectories(dir);
        List<URI> bases = mirrors(dataset);
        if (bases.isEmpty()) {
            throw new IOException("no download mirrors configured for " + dataset.displayName());
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        if (dataset.archive() != null) {
            return downloadArchive(client, dataset, files, dir, bases);
        }
        for (String file : files) {
            if (Mnist.find(dir, file) != null) {
                continue;
            }
            List<String> failures = new ArrayList<>();
            boolean done = false;
            for (URI base : bases) {
                URI uri = base.resolve(file + ".gz");
                try {
                    fetch(client, uri, dir, file, dataset.sha256(file));
                    done = true;
                    break;
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    failures.add(uri + ": " + reason(e));
                }
            }
            if (!done) {
                throw new IOException("could not download " + file + ".gz:" + lines(failures));
            }
        }
        return dir;
    }

    /**
     * Downloads CalTech-101 into {@code root/caltech101}: the first source that serves the
     * CaltechDATA archive ({@code caltech-101.zip}, which holds {@code 101_ObjectCategories.tar.gz})
     * is fetched to a temporary file, and each image of the paper's split is extracted, checked
     * against its recorded SHA-256 before it gets its final name, and kept; nothing else in the
     * archive is written. The archive is deleted afterwards.
     *
     * @param sources the archive's URLs, tried in order ({@link Caltech101#SOURCES} by default)
     * @return the folder holding {@value Caltech101#IMAGES}, complete
     * @throws IOException when no source serves an archive holding every image of the split, or an
     *                     image differs from the original; the message lists each source's failure
     */
    public Path downloadCaltech101(List<URI> sources) throws IOException {
        Path dir = root.resolve(Caltech101.ID);
        Files.createDirectories(dir);
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        List<String> failures = new ArrayList<>();
        for (URI uri : sources) {
            Path zip = Files.createTempFile(dir, "caltech-101.zip", ".part");
            try {
                download(client, uri, zip, "caltech-101.zip");
                extractCaltech101(zip, dir);
                return dir;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failures.add(uri + ": " + reason(e));
            } finally {
                Files.deleteIfExists(zip);
            }
        }
        throw new IOException("could not download CalTech-101: " + String.join("; ", failures));
    }

    private static void extractCaltech101(Path zip, Path dir) throws IOException {
        java.util.Map<String, String> sums = Caltech101.checksums();
        java.util.Set<String> wanted = new java.util.TreeSet<>(sums.keySet());
        wanted.removeIf(f -> Files.isRegularFile(dir.resolve(f)));
        try (ZipArchiveInputStream z = new ZipArchiveInputStream(Files.newInputStream(zip))) {
            ZipArchiveEntry ze;
            while ((ze = z.getNextEntry()) != null && !wanted.isEmpty()) {
                if (ze.isDirectory() || !ze.getName().endsWith(Caltech101.IMAGES + ".tar.gz")) {
                    continue;
                }
                // not closed: closing would close the zip stream around it, which the try closes
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(z, 1 << 16));
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null && !wanted.isEmpty()) {
                    int at = e.getName().indexOf(Caltech101.IMAGES + "/");
                    // only the split's images, by their exact names: nothing else of the archive is written
                    String name = at < 0 ? null : e.getName().substring(at);
                    if (!e.isFile() || name == null || !wanted.contains(name)) {
                        continue;
                    }
                    Path target = dir.resolve(name);
                    Files.createDirectories(target.getParent());
                    saveVerified(tar, e, name, target, sums.get(name));
                    wanted.remove(name);
                }
            }
        } catch (RefusedMember e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("corrupt or truncated archive: " + e.getMessage(), e);
        }
        if (!wanted.isEmpty()) {
            throw new IOException("the archive lacks " + wanted.size() + " of the split's images, the first "
                    + wanted.iterator().next());
        }
    }

    /**
     * What went wrong, for the user: the JDK's HTTP client throws some failures (a refused
     * connection, an unknown host) with no message at all, which read as "null".
     */
    static String reason(IOException e) {
        String message = e.getMessage();
        if (message != null && !message.isBlank()) {
            return message;
        }
        Throwable cause = e.getCause();
        String kind = e.getClass().getSimpleName();
        return cause != null && cause.getMessage() != null ? kind + ": " + cause.getMessage() : kind;
    }

    /**
     * Fetches the data set's tarball from the first mirror that serves it, then extracts the
     * missing files, each verified by its SHA-256 before it gets its final name. The tarball itself
     * is a temporary file, deleted afterwards: the verified files are what the cache keeps.
     */
    private Path downloadArchive(HttpClient client, Dataset dataset, List<String> files, Path dir, List<URI> bases)
            throws IOException {
        if (Dataset.missing(dir, files).isEmpty()) {
            return dir;
        }
        List<String> failures = new ArrayList<>();
        for (URI base : bases) {
            URI uri = base.resolve(dataset.archive());
            Path tarball = Files.createTempFile(dir, dataset.archive(), ".part");
            try {
                download(client, uri, tarball, dataset.archive());
                extract(tarball, dataset, files, dir);
                return dir;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failures.add(uri + ": " + reason(e));
            } finally {
                Files.deleteIfExists(tarball);
            }
        }
        throw new IOException("could not download " + dataset.archive() + ":" + lines(failures));
    }

    /**
     * The mirrors' failures, one an indented line: each names a URL and often a long reason, which
     * read as one unbroken line when joined.
     */
    private static String lines(List<String> failures) {
        StringBuilder sb = new StringBuilder();
        for (String f : failures) {
            sb.append("\n  ").append(f);
        }
        return sb.toString();
    }

    private void extract(Path tarball, Dataset dataset, List<String> files, Path dir) throws IOException {
        List<String> wanted = Dataset.missing(dir, files);
        try (InputStream raw = Files.newInputStream(tarball);
             InputStream gz = isGzip(tarball) ? new GZIPInputStream(raw, 1 << 16) : raw;
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null && !wanted.isEmpty()) {
                String base = Path.of(e.getName()).getFileName().toString();
                if (!e.isFile() || !wanted.contains(base)) {
                    continue;
                }
                saveVerified(tar, e, e.getName(), dir.resolve(base), dataset.sha256(base));
                wanted.remove(base);
            }
        } catch (RefusedMember e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("corrupt or truncated archive: " + e.getMessage(), e);
        }
        if (!wanted.isEmpty()) {
            throw new IOException("the archive lacks " + String.join(", ", wanted));
        }
    }

    /**
     * Writes the tar member being read to {@code target} through a temporary file beside it, which
     * gets the target's name only when its SHA-256 is the expected one.
     *
     * @param label the member's name in messages
     */
    private static void saveVerified(TarArchiveInputStream tar, TarArchiveEntry e, String label, Path target, String expected)
            throws IOException {
        if (e.getSize() > MAX_DOWNLOAD_BYTES) {
            throw new IOException(e.getName() + " announces " + e.getSize() + " bytes, refused");
        }
        Path part = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            String actual;
            try (OutputStream out = Files.newOutputStream(part)) {
                actual = copyHashing(tar, out);
            }
            if (!actual.equals(expected)) {
                throw new RefusedMember(label + ": SHA-256 " + actual + ", expected " + expected
                        + " (corrupt or different file, refused)");
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** A well-formed member whose content is not the expected file (not a damaged archive). */
    private static final class RefusedMember extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedMember(String message) {
            super(message);
        }
    }

    private static String copyHashing(InputStream in, OutputStream out) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
            out.write(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private void fetch(HttpClient client, URI uri, Path dir, String file, String expectedSha) throws IOException {
        Path part = Files.createTempFile(dir, file, ".part");
        try {
            download(client, uri, part, file + ".gz");
            String actual = sha256OfContent(part);
            if (!actual.equals(expectedSha)) {
                throw new IOException("SHA-256 of the uncompressed content is " + actual + ", expected " + expectedSha
                        + " (corrupt or different file, refused)");
            }
            Path target = dir.resolve(isGzip(part) ? file + ".gz" : file);
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Fetches {@code uri} into {@code part} with a progress bar; fails on any status but 200 or a short body. */
    private void download(HttpClient client, URI uri, Path part, String label) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download of " + uri + " interrupted");
        } catch (IllegalArgumentException e) {
            throw new IOException("bad URL: " + e.getMessage(), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP status " + response.statusCode());
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
            if (total > MAX_DOWNLOAD_BYTES) {
                throw new IOException("server announces " + total + " bytes, more than the " + MAX_DOWNLOAD_BYTES
                        + "-byte limit");
            }
            copyWithProgress(body, part, label, total);
        }
    }

    private void copyWithProgress(InputStream in, Path part, String label, long total) throws IOException {
        if (bars != Progress.none()) {
            bars.start("downloading " + label, total > 0 ? total : Progress.UNKNOWN);
        }
        ProgressBar bar = new ProgressBar(bars != Progress.none() ? null : progress, label, total);
        byte[] buf = new byte[1 << 16];
        long done = 0;
        try (OutputStream out = Files.newOutputStream(part)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                done += n;
                if (done > MAX_DOWNLOAD_BYTES) {
                    throw new IOException("more than " + MAX_DOWNLOAD_BYTES + " bytes, refused");
                }
                out.write(buf, 0, n);
                bar.update(done);
                bars.advance(n);
            }
        } finally {
            bar.finish(done);
            bars.done();
        }
        if (total >= 0 && done != total) {
            throw new IOException("connection closed after " + done + " of " + total + " bytes");
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /**
     * The SHA-256 of a file's content, decompressed first when it is gzipped.
     *
     * @param file the file
     * @return 64 lowercase hex digits
     * @throws IOException when the file cannot be read or its gzip stream is corrupt or truncated
     */
    public static String sha256OfContent(Path file) throws IOException {
        MessageDigest md = sha256();
        boolean gz = isGzip(file);
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new IOException((gz ? "corrupt or truncated gzip content: " : "unreadable: ") + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A one-line text progress bar, redrawn with a carriage return when the shown percentage changes. */
    private static final class ProgressBar {
        private static final int WIDTH = 30;
        private final PrintStream out;
        private final String label;
        private final long total;
        private long lastShown = -1;

        ProgressBar(PrintStream out, String label, long total) {
            this.out = out;
            this.label = label;
            this.total = total;
        }

        void update(long done) {
            if (out == null) {
                return;
            }
            // Redraw only when the visible text changes: per percent, or per 100 KB when the size is unknown.
            long key = total > 0 ? done * 100 / total : done / 100_000;
            if (key == lastShown) {
                return;
            }
            lastShown = key;
            draw(done);
        }

        void finish(long done) {
            if (out == null) {
                return;
            }
            draw(done);
            out.println();
            out.flush();
        }

        private void draw(long done) {
            StringBuilder sb = new StringBuilder("\r  ").append(label).append(' ');
            if (total > 0) {
                int filled = (int) Math.min(WIDTH, done * WIDTH / total);
                sb.append('[');
                for (int i = 0; i < WIDTH; i++) {
                    sb.append(i < filled ? '#' : '.');
                }
                sb.append(String.format("] %3d%%  %.1f / %.1f MB", Math.min(100, done * 100 / total), done / 1e6,
                        total / 1e6));
            } else {
                sb.append(String.format("%.1f MB", done / 1e6));
            }
            out.print(sb);
            out.flush();
        }
    }
}
