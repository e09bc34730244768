package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {

    @TempDir
    Path tmp;

    @Test
    void loadsTheRealDataSet() throws IOException {
        Mnist m = Mnist.load(TestData.MNIST);
        assertEquals(60000, m.train().count());
        assertEquals(10000, m.test().count());
        assertEquals(28, m.test().rows());
        assertEquals(28, m.test().cols());
        assertEquals(7, m.test().label(0)); // the first test digit is a 7
        assertEquals(5, m.train().label(0)); // the first training digit is a 5
        double[] img = m.test().image(0, 1.0 / 256);
        double max = 0;
        for (double v : img) {
            max = Math.max(max, v);
        }
        assertTrue(max > 0.9 && max < 1.0, "max pixel " + max);
    }

    @Test
    void loadsFashionMnistThroughTheSameReader() throws IOException {
        LabeledImages test = Mnist.loadTestSet(TestData.FASHION, Dataset.FASHION_MNIST);
        assertEquals(10000, test.count());
        assertEquals("fashion-mnist test", test.name());
        assertEquals(9, test.label(0)); // ankle boot
    }

    @Test
    void readsUncompressedFilesToo() throws IOException {
        for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.MNIST.resolve(f + ".gz")))) {
                Files.write(tmp.resolve(f), in.readAllBytes());
            }
        }
        LabeledImages plain = Mnist.loadTestSet(tmp, Dataset.MNIST);
        LabeledImages gz = Mnist.loadTestSet(TestData.MNIST, Dataset.MNIST);
        assertArrayEquals(gz.pixels(), plain.pixels());
        assertArrayEquals(gz.labels(), plain.labels());
        // And the uncompressed files have the published SHA-256.
        assertEquals(Dataset.MNIST.sha256("t10k-images-idx3-ubyte"),
                DatasetCache.sha256OfContent(tmp.resolve("t10k-images-idx3-ubyte")));
    }

    @Test
    void missingFileIsNamed() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Mnist.loadTestSet(tmp, Dataset.MNIST));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsRefused() throws IOException {
        TestData.writeFakeDataset(tmp, 3, 0);
        IdxArray.of(new int[] {3}, new byte[] {1, 12, 3}).write(tmp.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> Mnist.loadTestSet(tmp, Dataset.MNIST));
        assertTrue(e.getMessage().contains("label 1 is 12"), e.getMessage());
    }

    @Test
    void countMismatchIsRefused() throws IOException {
        TestData.writeFakeDataset(tmp, 3, 0);
        IdxArray.of(new int[] {2}, new byte[] {1, 2}).write(tmp.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> Mnist.loadTestSet(tmp, Dataset.MNIST));
        assertTrue(e.getMessage().contains("3 images but 2 labels"), e.getMessage());
    }

    @Test
    void subsetAndAccessors() throws IOException {
        LabeledImages test = Mnist.loadTestSet(TestData.MNIST, Dataset.MNIST);
        LabeledImages s = test.subset(10, 20);
        assertEquals(10, s.count());
        assertEquals(test.label(10), s.label(0));
        assertEquals(test.pixel(15, 14, 14), s.pixel(5, 14, 14));
        assertArrayEquals(test.rawImage(19), s.rawImage(9));
        assertThrows(IllegalArgumentException.class, () -> test.subset(5, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> test.pixel(0, 28, 0));
    }
}
