package io.github.lola4j.cli;

import io.github.lola4j.data.Caltech101;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.nn.LabeledFeatures;
import io.github.lola4j.onnx.OnnxGraph;
import io.github.lola4j.onnx.PooledFeatures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The deep-features row's client side: CalTech-101 images through SqueezeNet 1.1, in plaintext,
 * to 512 pooled features of unit length. Features are computed once per part of the split and
 * cached under {@code ~/.cache/lola4j/caltech101/features/}, fingerprinted by the extractor's
 * file, the value pooled, the preprocessing and the images, so that training, evaluation and the
 * tests do not recompute them and never read another extractor's features.
 */
final class DeepFeatures {

    /** The extractor's folder name (data folder, cache). */
    static final String EXTRACTOR_ID = "squeezenet1.1";
    /** The extractor's file. */
    static final String EXTRACTOR_FILE = "squeezenet1.1.onnx";
    /** Its SHA-256 (../shared/data/squeezenet1.1/SHA256SUMS; the file is the project's export of the ONNX zoo's weights). */
    static final String EXTRACTOR_SHA256 = "0c18ef23fe23d3292d8d94a7175bd19a858bd278e5a011d037b087d56312b947";
    /** The value pooled: the last Fire module's output, 512 x 13 x 13, after its ReLUs. */
    static final String FEATURE_VALUE = "/features/features.12/Concat_output_0";
    /** The feature vectors are scaled to unit length (the README's better plaintext reference, 77.2 %). */
    static final boolean UNIT_LENGTH = true;
    /** Changes when the preprocessing or the pooling changes, so that old caches are not read. */
    private static final String RECIPE = "caltech101 pillow-bilinear-256 centre-crop-224 imagenet-mean-std; mean over positions;"
            + " unit length; v1";

    private final Caltech101 data;
    private final PooledFeatures extractor;
    private final long fingerprint;
    private final Path cacheDir;

    private DeepFeatures(Caltech101 data, PooledFeatures extractor, long fingerprint, Path cacheDir) {
        this.data = data;
        this.extractor = extractor;
        this.fingerprint = fingerprint;
        this.cacheDir = cacheDir;
    }

    /**
     * Finds CalTech-101 and SqueezeNet ({@code --data DIR}, {@code $LOLA4J_DATA} or the cache; each
     * as {@code caltech101/} and {@code squeezenet1.1/} in that folder) and checks both; without
     * an explicit folder and with nothing cached, downloads CalTech-101 into the cache unless told not to.
     */
    static DeepFeatures open(Path explicit, Function<String, String> env, Path home, boolean download, PrintStream progress)
            throws IOException {
        java.util.Optional<Path> found = Caltech101.locate(explicit, env, home);
        Path caltech;
        if (found.isPresent()) {
            caltech = found.get();
        } else if (download) {
            // SqueezeNet cannot be downloaded: refuse before fetching the 138 MB archive of images it would need
            extractorFile(explicit, env, home, null);
            progress.println("data      CalTech-101 not found locally: downloading it into ~/.cache/lola4j/" + Caltech101.ID);
            caltech = new io.github.lola4j.data.DatasetCache(io.github.lola4j.data.DatasetCache.defaultRoot(home), List.of(),
                    progress, java.time.Duration.ofMinutes(10)).downloadCaltech101(Caltech101.SOURCES);
        } else {
            throw new IOException("CalTech-101 was not found (no --data, " + DataLocator.ENV_VARIABLE + " unset, nothing in"
                    + " ~/.cache/lola4j/" + Caltech101.ID + ") and downloads are disabled; " + Caltech101.downloadAdvice());
        }
        Caltech101 data = Caltech101.open(caltech, true);
        Path model = extractorFile(explicit, env, home, caltech);
        PooledFeatures extractor = extractor(model);
        MessageDigest d = sha256();
        d.update((EXTRACTOR_SHA256 + "\n" + FEATURE_VALUE + "\n" + RECIPE + "\n").getBytes(StandardCharsets.UTF_8));
        long fp = java.nio.ByteBuffer.wrap(d.digest()).getLong();
        return new DeepFeatures(data, extractor, fp, home.resolve(".cache").resolve("lola4j").resolve(Caltech101.ID)
                .resolve("features"));
    }

    /** The extractor alone (a client classifying its own image needs no CalTech-101 folder). */
    static PooledFeatures extractor(Path explicit, Function<String, String> env, Path home) throws IOException {
        return extractor(extractorFile(explicit, env, home, null));
    }

    /** SqueezeNet 1.1 from its file, checked against its SHA-256, cut at the pooled value. */
    private static PooledFeatures extractor(Path model) throws IOException {
        byte[] bytes = Files.readAllBytes(model);
        String sha = HexFormat.of().formatHex(sha256().digest(bytes));
        if (!sha.equals(EXTRACTOR_SHA256)) {
            throw new IOException(model + ": SHA-256 " + sha + ", expected " + EXTRACTOR_SHA256 + " (SqueezeNet 1.1 as exported"
                    + " for lola4j); the file is damaged or another model");
        }
        return PooledFeatures.of(OnnxGraph.fromBytes(bytes, model.toString()), FEATURE_VALUE, UNIT_LENGTH);
    }

    /** squeezenet1.1/squeezenet1.1.onnx beside the CalTech-101 folder, in the explicit folder, or in the cache. */
    private static Path extractorFile(Path explicit, Function<String, String> env, Path home, Path caltech) throws IOException {
        String e = env.apply(DataLocator.ENV_VARIABLE);
        List<Path> candidates = new java.util.ArrayList<>();
        if (explicit != null) {
            candidates.add(explicit);
        } else if (e != null && !e.isBlank()) {
            candidates.add(Path.of(e.trim()));
        }
        if (caltech != null) {
            candidates.add(caltech.toAbsolutePath().getParent());
        }
        candidates.add(home.resolve(".cache").resolve("lola4j"));
        for (Path c : candidates) {
            if (c == null) {
                continue;
            }
            Path f = c.resolve(EXTRACTOR_ID).resolve(EXTRACTOR_FILE);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new IOException("SqueezeNet 1.1 (" + EXTRACTOR_ID + "/" + EXTRACTOR_FILE + ") was not found in " + candidates
                + "; it is the ONNX export of the ONNX model zoo's SqueezeNet 1.1 described in docs/deep-features.md");
    }

    /** The fingerprint the cached features carry. */
    long fingerprint() {
        return fingerprint;
    }

    PooledFeatures extractor() {
        return extractor;
    }

    Caltech101 data() {
        return data;
    }

    Path cacheFile(Caltech101.Part part) {
        return cacheDir.resolve(EXTRACTOR_ID + "-pooled-" + part.name().toLowerCase(Locale.ROOT) + ".features");
    }

    /**
     * One part's features: from the cache when it holds them (a damaged or foreign cache file is
     * reported and recomputed), else computed on {@code threads} threads with progress on err and cached.
     */
    LabeledFeatures load(Caltech101.Part part, int threads, PrintStream err) throws IOException {
        Path f = cacheFile(part);
        if (Files.isRegularFile(f)) {
            try {
                return LabeledFeatures.load(f, fingerprint);
            } catch (IOException e) {
                err.println("cache     " + e.getMessage() + "; computing the features again");
            }
        }
        LabeledFeatures features = compute(part, Caltech101.entries(part), threads, err);
        features.save(f, fingerprint);
        err.println("cached    " + f);
        return features;
    }

    /** Whether one part's features are in the cache (a damaged one is found out by {@link #load}). */
    boolean cached(Caltech101.Part part) {
        return Files.isRegularFile(cacheFile(part));
    }

    /** The first count images' features of one part (not cached). */
    LabeledFeatures compute(Caltech101.Part part, int count, int threads, PrintStream err) throws IOException {
        return compute(part, Caltech101.entries(part).subList(0, count), threads, err);
    }

    /** These images' features (not cached). */
    LabeledFeatures compute(Caltech101.Part part, List<Caltech101.Entry> entries, int threads, PrintStream err)
            throws IOException {
        int count = entries.size();
        double[][] rows = new double[count][];
        int[] labels = new int[count];
        AtomicInteger done = new AtomicInteger();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lola4j-features");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                int k = i;
                tasks.add(pool.submit(() -> {
                    rows[k] = extractor.extract(Caltech101.normalize(data.image(entries.get(k))));
                    labels[k] = entries.get(k).label();
                    int n = done.incrementAndGet();
                    if (n % 100 == 0 || n == count) {
                        double s = (System.nanoTime() - t0) / 1e9;
                        err.printf(Locale.ROOT, "features  %s %d/%d, %.2f s per image, %.0f s left%n",
                                part.name().toLowerCase(Locale.ROOT), n, count, s * threads / n, s / n * (count - n));
                    }
                    return null;
                }));
            }
            for (Future<?> t : tasks) {
                t.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while computing features", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return LabeledFeatures.of("caltech101-" + part.name().toLowerCase(Locale.ROOT) + "-squeezenet1.1", rows, labels,
                Caltech101.CLASSES);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
