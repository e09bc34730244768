package io.github.lola4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths and small synthetic files shared by the data tests. */
final class TestData {

    /** The real MNIST files; tests run with the project root as working directory. */
    static final Path MNIST = Path.of("../shared/data/mnist");

    /** The real Fashion-MNIST files. */
    static final Path FASHION = Path.of("../shared/data/fashion-mnist");

    /** The paper's CalTech-101 split (3,030 JPEGs and the authors' catalogues). */
    static final Path CALTECH101 = Path.of("../shared/data/caltech101");

    /** The real CIFAR-10 batches (gzipped). */
    static final Path CIFAR10 = Path.of("../shared/data/cifar10");

    private TestData() {
    }

    /**
     * Writes a complete, valid, tiny data set (train: {@code n} images, test: {@code n} images of
     * 28x28, pixel values derived from {@code marker}) into {@code dir}, gzipped.
     */
    static void writeFakeDataset(Path dir, int n, int marker) throws IOException {
        Files.createDirectories(dir);
        byte[] pixels = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7 + marker);
        }
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) ((i + marker) % 10);
        }
        IdxArray img = IdxArray.of(new int[] {n, 28, 28}, pixels);
        IdxArray lab = IdxArray.of(new int[] {n}, labels);
        img.write(dir.resolve("train-images-idx3-ubyte.gz"));
        lab.write(dir.resolve("train-labels-idx1-ubyte.gz"));
        img.write(dir.resolve("t10k-images-idx3-ubyte.gz"));
        lab.write(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /** Like {@link #writeFakeDataset}, but only the two test files: what evaluating a model needs. */
    static void writeFakeTestSet(Path dir, int n, int marker) throws IOException {
        writeFakeDataset(dir, n, marker);
        Files.delete(dir.resolve("train-images-idx3-ubyte.gz"));
        Files.delete(dir.resolve("train-labels-idx1-ubyte.gz"));
    }
}
