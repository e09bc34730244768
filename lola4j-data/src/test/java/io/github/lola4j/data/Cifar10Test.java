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
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR-10 reader against the real batches in ../shared/data/cifar10, and against damaged copies. */
class Cifar10Test {

    private static Split cifar;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        cifar = Cifar10.load(TestData.CIFAR10);
    }

    private static byte[] raw(String file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.CIFAR10.resolve(file + ".gz")))) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheFirstLabelsOfBothSetsAsPublished() {
        int[] train = {6, 9, 9, 4, 1, 1, 2, 7, 8, 3}; // ../shared/data/README.md
        int[] test = {3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
        for (int i = 0; i < 10; i++) {
            assertEquals(train[i], cifar.train().label(i), "train label " + i);
            assertEquals(test[i], cifar.test().label(i), "test label " + i);
        }
        assertEquals(50000, cifar.train().count());
        assertEquals(10000, cifar.test().count());
        assertEquals(3, cifar.test().channels());
        assertEquals(32, cifar.test().rows());
        assertEquals(3072, cifar.test().imageSize());
    }

    @Test
    void pixelsAreTheRecordBytesInChannelMajorOrder() throws IOException {
        byte[] batch1 = raw("data_batch_1.bin");
        byte[] batch5 = raw("data_batch_5.bin");
        byte[] test = raw("test_batch.bin");
        assertEquals(30_730_000, batch1.length);
        // record r: label at r*3073, red plane from r*3073+1, green +1024, blue +2048; rows top to bottom
        for (int r : new int[] {0, 1, 9999}) {
            assertArrayEquals(Arrays.copyOfRange(batch1, r * 3073 + 1, (r + 1) * 3073), cifar.train().rawImage(r));
            assertArrayEquals(Arrays.copyOfRange(batch5, r * 3073 + 1, (r + 1) * 3073), cifar.train().rawImage(40000 + r));
            assertArrayEquals(Arrays.copyOfRange(test, r * 3073 + 1, (r + 1) * 3073), cifar.test().rawImage(r));
            assertEquals(test[r * 3073] & 0xff, cifar.test().label(r));
        }
        // a single pixel by coordinates: image 0 of the test set, blue channel, row 5, column 7
        assertEquals(test[1 + 2048 + 5 * 32 + 7] & 0xff, cifar.test().pixel(0, 2, 5, 7));
        // the first training image's top-left pixel, red: a known value of the real file
        assertEquals(batch1[1] & 0xff, cifar.train().pixel(0, 0, 0, 0));
    }

    @Test
    void everyClassHasItsPublishedCount() {
        int[] trainCounts = new int[10];
        int[] testCounts = new int[10];
        for (int i = 0; i < 50000; i++) {
            trainCounts[cifar.train().label(i)]++;
        }
        for (int i = 0; i < 10000; i++) {
            testCounts[cifar.test().label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(5000, trainCounts[c]);
            assertEquals(1000, testCounts[c]);
        }
    }

    @Test
    void uncompressedBatchesHaveThePublishedSha256AndReadAlike() throws IOException {
        Files.write(tmp.resolve("test_batch.bin"), raw("test_batch.bin"));
        assertEquals(Dataset.CIFAR10.sha256("test_batch.bin"), DatasetCache.sha256OfContent(tmp.resolve("test_batch.bin")));
        LabeledImages plain = Cifar10.loadTestSet(tmp);
        assertArrayEquals(cifar.test().pixels(), plain.pixels());
        assertArrayEquals(cifar.test().labels(), plain.labels());
    }

    @Test
    void truncatedLongAndCorruptBatchesAreRefusedNamingTheFile() throws IOException {
        byte[] test = raw("test_batch.bin");
        Path f = tmp.resolve("test_batch.bin");

        Files.write(f, Arrays.copyOf(test, test.length - 1));
        IOException e = assertThrows(IOException.class, () -> Cifar10.loadTestSet(tmp));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        Files.write(f, Arrays.copyOf(test, test.length + 3073));
        e = assertThrows(IOException.class, () -> Cifar10.loadTestSet(tmp));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("longer"), e.getMessage());

        byte[] badLabel = test.clone();
        badLabel[3073 * 17] = 10;
        Files.write(f, badLabel);
        e = assertThrows(IOException.class, () -> Cifar10.loadTestSet(tmp));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("record 17 has label 10"),
                e.getMessage());

        Files.delete(f);
        Path gz = tmp.resolve("test_batch.bin.gz");
        byte[] gzipped = Files.readAllBytes(TestData.CIFAR10.resolve("test_batch.bin.gz"));
        Files.write(gz, Arrays.copyOf(gzipped, gzipped.length / 2));
        e = assertThrows(IOException.class, () -> Cifar10.loadTestSet(tmp));
        assertTrue(e.getMessage().contains(gz.toString()), e.getMessage());

        byte[] flipped = gzipped.clone();
        flipped[flipped.length / 3] ^= 0x5a;
        Files.write(gz, flipped);
        e = assertThrows(IOException.class, () -> Cifar10.loadTestSet(tmp));
        assertTrue(e.getMessage().contains(gz.toString()), e.getMessage());
    }

    /** readRecords: any count of records of any shape, gzipped or not (by the bytes), a length or label refused. */
    @Test
    void readRecordsReadsAnyCountOfRecords() throws IOException {
        LabeledImages all = Cifar10.readRecords(TestData.CIFAR10.resolve("test_batch.bin.gz"), 3, 32, 32);
        assertEquals(10000, all.count());
        assertArrayEquals(cifar.test().labels(), all.labels());
        assertArrayEquals(cifar.test().rawImage(9999), all.rawImage(9999));
        byte[] test = raw("test_batch.bin");
        Path two = Files.write(tmp.resolve("two.dat"), Arrays.copyOfRange(test, 3073 * 5, 3073 * 7));
        LabeledImages few = Cifar10.readRecords(two, 3, 32, 32);
        assertEquals(2, few.count());
        assertArrayEquals(cifar.test().rawImage(6), few.rawImage(1));
        // the same bytes as 3 x 32 x 16 images with a label each: 3,073 = 1 + 1,536 + 1,536 is no record size
        IOException e = assertThrows(IOException.class, () -> Cifar10.readRecords(two, 3, 32, 16));
        assertTrue(e.getMessage().startsWith(two + ": 6146 bytes is not a whole number of records of 1537 bytes (1 label"
                + " byte, then 3 x 32 x 16 pixel bytes): 3 records and 1535 bytes over"), e.getMessage());
        // records of 1 + 1,536 bytes over CIFAR's: the second "label" is a pixel of the first image, 203
        Path odd = Files.write(tmp.resolve("odd.bin"), Arrays.copyOf(test, 1537 * 4));
        e = assertThrows(IOException.class, () -> Cifar10.readRecords(odd, 1, 1, 1536));
        assertTrue(e.getMessage().startsWith(odd + ": record 2 of 4 has label 203, expected 0..9"), e.getMessage());
        Path empty = Files.write(tmp.resolve("empty.bin"), new byte[0]);
        e = assertThrows(IOException.class, () -> Cifar10.readRecords(empty, 3, 32, 32));
        assertEquals(empty + ": empty; expected records of 3073 bytes (1 label byte, then 3 x 32 x 32 pixel bytes)",
                e.getMessage());
    }

    @Test
    void aMissingTrainingBatchIsNamed() throws IOException {
        for (String name : Cifar10.FILES) {
            if (!name.equals("data_batch_3.bin")) {
                Files.copy(TestData.CIFAR10.resolve(name + ".gz"), tmp.resolve(name + ".gz"));
            }
        }
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10.load(tmp));
        assertTrue(e.getMessage().contains("data_batch_3.bin"), e.getMessage());
        assertEquals(java.util.List.of("data_batch_3.bin"), Dataset.CIFAR10.missing(tmp));
    }
}
