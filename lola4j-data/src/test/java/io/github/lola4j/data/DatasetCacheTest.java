package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download path, against a local HTTP server on 127.0.0.1 serving the real files and corrupt ones. */
class DatasetCacheTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final Map<String, byte[]> files = new HashMap<>();
    private final Map<String, Integer> hits = new HashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            synchronized (hits) {
                hits.merge(path, 1, Integer::sum);
            }
            byte[] body = files.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base(String folder) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + folder + "/");
    }

    private void serveReal(String folder, String... names) throws IOException {
        for (String n : names) {
            files.put("/" + folder + "/" + n + ".gz", Files.readAllBytes(TestData.MNIST.resolve(n + ".gz")));
        }
    }

    /** A cache that already holds everything but the test labels, so only that small file is fetched. */
    private Path cacheWithoutTestLabels(Path home) throws IOException {
        Path dir = DatasetCache.defaultRoot(home).resolve("mnist");
        Files.createDirectories(dir);
        for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte")) {
            Files.copy(TestData.MNIST.resolve(f + ".gz"), dir.resolve(f + ".gz"));
        }
        return dir;
    }

    /** The real test labels with one label changed: a valid gzip of a valid IDX file, wrong SHA-256. */
    private static byte[] tamperedLabels(Path dir) throws IOException {
        IdxArray labels = IdxArray.read(TestData.MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        byte[] data = labels.data();
        data[17] = (byte) ((data[17] + 1) % 10);
        Path f = dir.resolve("tampered.gz");
        IdxArray.of(labels.dims(), data).write(f);
        return Files.readAllBytes(f);
    }

    /** A locator with no environment, the given home, one local mirror and a progress bar captured in {@code progress}. */
    private DataLocator downloadingLocator(Dataset d, Path home, String mirror, ByteArrayOutputStream progress,
            int timeoutSeconds) {
        return DataLocator.builder(d).environment(k -> null).homeDirectory(home).mirrors(List.of(base(mirror)))
                .progress(new PrintStream(progress, true, StandardCharsets.UTF_8))
                .timeout(Duration.ofSeconds(timeoutSeconds)).build();
    }

    private static List<Path> partFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".part")).toList();
        }
    }

    @Test
    void downloadsAllFourFilesVerifiesThemAndThenUsesTheCache() throws IOException {
        serveReal("good", Dataset.FILES.toArray(new String[0]));
        Path home = tmp.resolve("home");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        DataLocator locator = downloadingLocator(Dataset.MNIST, home, "good", progress, 20);
        DataLocator.Location first = locator.locate();
        assertEquals(DataLocator.Origin.DOWNLOAD, first.origin());
        assertEquals(home.resolve(".cache/lola4j/mnist"), first.directory());
        for (String f : Dataset.FILES) {
            Path got = first.directory().resolve(f + ".gz");
            assertArrayEquals(Files.readAllBytes(TestData.MNIST.resolve(f + ".gz")), Files.readAllBytes(got), f);
        }
        String bar = progress.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("train-images-idx3-ubyte.gz [") && bar.contains("100%"), bar);
        assertEquals(List.of(), partFiles(first.directory()));

        DataLocator.Location second = locator.locate();
        assertEquals(DataLocator.Origin.CACHE, second.origin());
        assertEquals(1, hits.get("/good/train-images-idx3-ubyte.gz"), "the second run must not download again");
        assertEquals(10000, locator.loadTestSet().count());
    }

    @Test
    void testSetOnlyDownloadsOnlyTheTestFiles() throws IOException {
        serveReal("good", Dataset.FILES.toArray(new String[0]));
        Path home = tmp.resolve("home");
        // the command line's bars instead of the text bar: a task per file, a unit per byte, and nothing on the text stream
        List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        long[] advanced = new long[1];
        io.github.lola4j.format.Progress bars = new io.github.lola4j.format.Progress() {
            @Override
            public void start(String task, long total) {
                events.add(task + " " + total);
            }

            @Override
            public synchronized void advance(long units) {
                advanced[0] += units;
            }

            @Override
            public void done() {
                events.add("done " + advanced[0]);
                advanced[0] = 0;
            }
        };
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        DataLocator locator = DataLocator.builder(Dataset.MNIST).environment(k -> null).homeDirectory(home)
                .mirrors(List.of(base("good"))).timeout(Duration.ofSeconds(20)).testSetOnly()
                .progress(new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8)).downloadProgress(bars)
                .build();
        DataLocator.Location first = locator.locate();
        long images = Files.size(TestData.MNIST.resolve("t10k-images-idx3-ubyte.gz"));
        long labels = Files.size(TestData.MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(List.of("downloading t10k-images-idx3-ubyte.gz " + images, "done " + images,
                "downloading t10k-labels-idx1-ubyte.gz " + labels, "done " + labels), events);
        assertEquals(0, text.size(), "no text bar beside the bars");
        assertEquals(DataLocator.Origin.DOWNLOAD, first.origin());
        try (Stream<Path> s = Files.list(first.directory())) {
            assertEquals(List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(null, hits.get("/good/train-images-idx3-ubyte.gz"), "the training images must not be fetched");
        assertEquals(DataLocator.Origin.CACHE, locator.locate().origin());
        assertEquals(1, hits.get("/good/t10k-images-idx3-ubyte.gz"));
        assertEquals(10000, locator.loadTestSet().count());
        assertEquals(7, locator.loadTestSet().label(0));
    }

    @Test
    void aSubsetMustBeFilesOfTheDataSet() {
        DatasetCache cache = new DatasetCache(tmp, List.of(base("none")), null, Duration.ofSeconds(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.download(Dataset.MNIST, List.of("test_batch.bin")));
        assertTrue(e.getMessage().startsWith("download: files names 'test_batch.bin', expected only files of MNIST"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cache.download(Dataset.MNIST, List.of()));
        assertTrue(e.getMessage().startsWith("download: files is empty"), e.getMessage());
        assertTrue(hits.isEmpty(), "nothing fetched for a wrong request");
    }

    @Test
    void corruptFileIsRefusedAndTheNextMirrorUsed() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = cacheWithoutTestLabels(home);
        files.put("/bad/t10k-labels-idx1-ubyte.gz", tamperedLabels(tmp));
        serveReal("good", "t10k-labels-idx1-ubyte");
        DatasetCache cache = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("bad"), base("good")), null,
                Duration.ofSeconds(20));
        assertEquals(dir, cache.download(Dataset.MNIST));
        assertEquals(1, hits.get("/bad/t10k-labels-idx1-ubyte.gz"));
        assertEquals(Dataset.MNIST.sha256("t10k-labels-idx1-ubyte"),
                DatasetCache.sha256OfContent(dir.resolve("t10k-labels-idx1-ubyte.gz")));
    }

    @Test
    void corruptFileOnTheOnlyMirrorIsRefusedAndLeavesNothingBehind() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = cacheWithoutTestLabels(home);
        files.put("/bad/t10k-labels-idx1-ubyte.gz", tamperedLabels(tmp));
        DataLocator locator = DataLocator.builder(Dataset.MNIST).environment(k -> null).homeDirectory(home)
                .mirrors(List.of(base("bad"))).build();
        IOException e = assertThrows(IOException.class, locator::locate);
        String m = e.getMessage();
        assertTrue(m.contains("SHA-256") && m.contains(Dataset.MNIST.sha256("t10k-labels-idx1-ubyte")), m);
        assertTrue(m.contains("refused") && m.contains("LOLA4J_DATA"), m);
        assertTrue(Mnist.find(dir, "t10k-labels-idx1-ubyte") == null, "the corrupt file must not be kept");
        assertEquals(List.of(), partFiles(dir));
    }

    @Test
    void truncatedDownloadIsRefused() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = cacheWithoutTestLabels(home);
        byte[] real = Files.readAllBytes(TestData.MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        files.put("/cut/t10k-labels-idx1-ubyte.gz", Arrays.copyOf(real, real.length - 100));
        DatasetCache cache = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("cut")), null,
                Duration.ofSeconds(20));
        IOException e = assertThrows(IOException.class, () -> cache.download(Dataset.MNIST));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
        assertTrue(Mnist.find(dir, "t10k-labels-idx1-ubyte") == null);
        assertEquals(List.of(), partFiles(dir));
    }

    @Test
    void missingFileOnAMirrorReportsTheStatus() throws IOException {
        Path home = tmp.resolve("home");
        cacheWithoutTestLabels(home);
        DatasetCache cache = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("empty")), null,
                Duration.ofSeconds(20));
        IOException e = assertThrows(IOException.class, () -> cache.download(Dataset.MNIST));
        assertTrue(e.getMessage().contains("HTTP status 404") && e.getMessage().contains("/empty/t10k-labels"),
                e.getMessage());
    }

    @Test
    void unreachableMirrorIsNamedWithWhatFailed() throws IOException {
        Path home = tmp.resolve("home");
        cacheWithoutTestLabels(home);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort + "/mnist/");
        DatasetCache cache = new DatasetCache(DatasetCache.defaultRoot(home), List.of(dead), null, Duration.ofSeconds(20));
        IOException e = assertThrows(IOException.class, () -> cache.download(Dataset.MNIST));
        assertTrue(e.getMessage().contains(dead + "t10k-labels-idx1-ubyte.gz: ConnectException"), e.getMessage());
        assertTrue(!e.getMessage().contains("null"), e.getMessage());
    }

    @Test
    void defaultMirrorsAreThePublicOnes() {
        DatasetCache cache = new DatasetCache(tmp, null, null, Duration.ofSeconds(1));
        List<URI> m = cache.mirrors(Dataset.MNIST);
        assertEquals(URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"), m.get(0));
        assertEquals(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"), m.get(1));
        assertEquals(tmp.resolve("fashion-mnist"), cache.directory(Dataset.FASHION_MNIST));
    }

    /** A tarball laid out as the official cifar-10-binary.tar.gz, holding the given batches (real or replaced). */
    private static byte[] cifarTarball(Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buf) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            };
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TarArchiveEntry dir = new TarArchiveEntry("cifar-10-batches-bin/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            byte[] meta = "airplane\nautomobile\n".getBytes(StandardCharsets.US_ASCII);
            TarArchiveEntry m = new TarArchiveEntry("cifar-10-batches-bin/batches.meta.txt");
            m.setSize(meta.length);
            tar.putArchiveEntry(m);
            tar.write(meta);
            tar.closeArchiveEntry();
            for (Map.Entry<String, byte[]> e : members.entrySet()) {
                TarArchiveEntry t = new TarArchiveEntry("cifar-10-batches-bin/" + e.getKey());
                t.setSize(e.getValue().length);
                tar.putArchiveEntry(t);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return buf.toByteArray();
    }

    private static byte[] realBatch(String name) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.CIFAR10.resolve(name + ".gz")))) {
            return in.readAllBytes();
        }
    }

    @Test
    void cifarTarballIsDownloadedExtractedVerifiedAndThenCached() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        for (String f : Cifar10.FILES) {
            members.put(f, realBatch(f));
        }
        files.put("/kriz/cifar-10-binary.tar.gz", cifarTarball(members));
        Path home = tmp.resolve("home");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        DataLocator locator = downloadingLocator(Dataset.CIFAR10, home, "kriz", progress, 30);
        DataLocator.Location first = locator.locate();
        assertEquals(DataLocator.Origin.DOWNLOAD, first.origin());
        assertEquals(home.resolve(".cache/lola4j/cifar10"), first.directory());
        for (String f : Cifar10.FILES) {
            assertEquals(Dataset.CIFAR10.sha256(f), DatasetCache.sha256OfContent(first.directory().resolve(f)), f);
        }
        assertEquals(List.of(), partFiles(first.directory()));
        assertTrue(Files.notExists(first.directory().resolve("batches.meta.txt")), "only the batches are kept");
        String bar = progress.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("cifar-10-binary.tar.gz [") && bar.contains("100%"), bar);

        DataLocator.Location second = locator.locate();
        assertEquals(DataLocator.Origin.CACHE, second.origin());
        assertEquals(1, hits.get("/kriz/cifar-10-binary.tar.gz"));
        assertEquals(3, locator.loadTestSet().label(0));
    }

    @Test
    void tamperedCifarMemberIsRefusedAndTheNextMirrorUsed() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = DatasetCache.defaultRoot(home).resolve("cifar10");
        Files.createDirectories(dir);
        for (String f : Cifar10.FILES.subList(0, 5)) {
            Files.copy(TestData.CIFAR10.resolve(f + ".gz"), dir.resolve(f + ".gz"));
        }
        byte[] test = realBatch("test_batch.bin");
        byte[] tampered = test.clone();
        tampered[3073 * 5 + 100] ^= 1;
        files.put("/bad/cifar-10-binary.tar.gz", cifarTarball(Map.of("test_batch.bin", tampered)));
        files.put("/good/cifar-10-binary.tar.gz", cifarTarball(Map.of("test_batch.bin", test)));
        DatasetCache only = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("bad")), null,
                Duration.ofSeconds(30));
        IOException e = assertThrows(IOException.class, () -> only.download(Dataset.CIFAR10));
        assertTrue(e.getMessage().contains("test_batch.bin") && e.getMessage().contains("SHA-256")
                && !e.getMessage().contains("corrupt or truncated archive"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("test_batch.bin")), "a refused member leaves no file");
        assertEquals(List.of(), partFiles(dir));

        DatasetCache both = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("bad"), base("good")), null,
                Duration.ofSeconds(30));
        assertEquals(dir, both.download(Dataset.CIFAR10));
        assertEquals(Dataset.CIFAR10.sha256("test_batch.bin"), DatasetCache.sha256OfContent(dir.resolve("test_batch.bin")));
        assertEquals(List.of(), partFiles(dir));
    }

    @Test
    void cifarTestSetOnlyExtractsOnlyTheTestBatch() throws IOException {
        files.put("/kriz/cifar-10-binary.tar.gz", cifarTarball(Map.of("data_batch_1.bin", realBatch("data_batch_1.bin"),
                "test_batch.bin", realBatch("test_batch.bin"))));
        Path home = tmp.resolve("home");
        DataLocator locator = DataLocator.builder(Dataset.CIFAR10).environment(k -> null).homeDirectory(home)
                .mirrors(List.of(base("kriz"))).timeout(Duration.ofSeconds(30)).testSetOnly().build();
        Path dir = locator.locate().directory();
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("test_batch.bin"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(Dataset.CIFAR10.sha256("test_batch.bin"), DatasetCache.sha256OfContent(dir.resolve("test_batch.bin")));
        assertEquals(DataLocator.Origin.CACHE, locator.locate().origin());
        assertEquals(1, hits.get("/kriz/cifar-10-binary.tar.gz"));
        assertEquals(3, locator.loadTestSet().label(0));
    }

    @Test
    void cifarArchiveLackingABatchIsRefused() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = DatasetCache.defaultRoot(home).resolve("cifar10");
        Files.createDirectories(dir);
        for (String f : Cifar10.FILES.subList(0, 4)) {
            Files.copy(TestData.CIFAR10.resolve(f + ".gz"), dir.resolve(f + ".gz"));
        }
        files.put("/short/cifar-10-binary.tar.gz", cifarTarball(Map.of("test_batch.bin", realBatch("test_batch.bin"))));
        DatasetCache cache = new DatasetCache(DatasetCache.defaultRoot(home), List.of(base("short")), null,
                Duration.ofSeconds(30));
        IOException e = assertThrows(IOException.class, () -> cache.download(Dataset.CIFAR10));
        assertTrue(e.getMessage().contains("lacks data_batch_5.bin"), e.getMessage());
    }

    /**
     * CalTech-101 laid out as CaltechDATA's caltech-101.zip: caltech-101/101_ObjectCategories.tar.gz
     * (the split's real images in path order, plus an image of another folder and an entry trying
     * to leave the cache) beside another member. With a victim, the archive stops at it: holding
     * it damaged, or leaving it out.
     */
    private static byte[] caltechZip(String victim, boolean damaged) throws IOException {
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(tgz) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            };
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            java.util.Map<String, byte[]> members = new LinkedHashMap<>();
            members.put("101_ObjectCategories/BACKGROUND_Google/image_0001.jpg", new byte[] {1, 2, 3});
            members.put("../../escape.jpg", new byte[] {4, 5, 6});
            for (String f : Caltech101.checksums().keySet()) {
                if (f.equals(victim) && !damaged) {
                    break;
                }
                byte[] b = Files.readAllBytes(TestData.CALTECH101.resolve(f));
                if (f.equals(victim)) {
                    b[b.length / 2] ^= 1;
                    members.put(f, b);
                    break;
                }
                members.put(f, b);
            }
            for (Map.Entry<String, byte[]> e : members.entrySet()) {
                TarArchiveEntry t = new TarArchiveEntry(e.getKey());
                t.setSize(e.getValue().length);
                tar.putArchiveEntry(t);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(zip)) {
            z.putNextEntry(new java.util.zip.ZipEntry("caltech-101/Annotations.tar"));
            z.write(new byte[] {9, 9, 9});
            z.closeEntry();
            z.putNextEntry(new java.util.zip.ZipEntry("caltech-101/101_ObjectCategories.tar.gz"));
            z.write(tgz.toByteArray());
            z.closeEntry();
        }
        return zip.toByteArray();
    }

    /**
     * The CalTech-101 archive: the split's 3,030 images extracted and verified, nothing else of the
     * archive written; a replaced image, a missing image and a truncated archive refused by name,
     * the next source used.
     */
    @Test
    void caltech101IsDownloadedExtractedAndVerified() throws IOException {
        String victim = "101_ObjectCategories/ant/image_0025.jpg";
        byte[] good = caltechZip(null, false);
        files.put("/bad/caltech-101.zip", caltechZip(victim, true));
        files.put("/short/caltech-101.zip", caltechZip(victim, false));
        files.put("/cut/caltech-101.zip", Arrays.copyOf(good, good.length / 2));
        files.put("/good/caltech-101.zip", good);
        Path root = tmp.resolve("cache");
        DatasetCache cache = new DatasetCache(root, List.of(), null, Duration.ofSeconds(60));
        URI bad = base("bad").resolve("caltech-101.zip");
        URI shortOne = base("short").resolve("caltech-101.zip");
        URI cut = base("cut").resolve("caltech-101.zip");
        IOException e = assertThrows(IOException.class, () -> cache.downloadCaltech101(List.of(bad)));
        assertTrue(e.getMessage().contains(victim + ": SHA-256") && e.getMessage().contains("refused"), e.getMessage());
        assertTrue(Files.notExists(root.resolve("caltech101").resolve(victim)), "a refused image leaves no file");
        e = assertThrows(IOException.class, () -> cache.downloadCaltech101(List.of(cut)));
        assertTrue(e.getMessage().contains("corrupt or truncated archive"), e.getMessage());
        // the truncated archive left what it held verified and in place; the victim is wanted again
        Files.deleteIfExists(root.resolve("caltech101").resolve(victim));
        e = assertThrows(IOException.class, () -> cache.downloadCaltech101(List.of(shortOne)));
        assertTrue(e.getMessage().contains("of the split's images, the first " + victim), e.getMessage());

        Path dir = cache.downloadCaltech101(List.of(bad, base("good").resolve("caltech-101.zip")));
        assertEquals(root.resolve("caltech101"), dir);
        assertEquals(dir, Caltech101.open(dir, true).directory());
        assertTrue(Files.notExists(dir.resolve("101_ObjectCategories/BACKGROUND_Google")), "only the split's images are kept");
        assertTrue(Files.notExists(tmp.resolve("escape.jpg")) && Files.notExists(root.resolve("escape.jpg")));
        try (Stream<Path> all = Files.walk(dir)) {
            assertEquals(3030, all.filter(Files::isRegularFile).count(), "the images, no partial or other file");
        }
        assertEquals(Caltech101.locate(null, k -> null, tmp.resolve("nohome")), java.util.Optional.empty());
    }
}
