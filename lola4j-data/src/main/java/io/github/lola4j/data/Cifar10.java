package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * CIFAR-10's binary version: five training batches and one test batch of 10,000 colour images of
 * 32x32 pixels each, 10 classes.
 *
 * <p>Each batch file ({@link #FILES}, each gzipped or not; when both exist the uncompressed one is
 * read) holds 10,000 records of {@value #RECORD_BYTES} bytes: the label (0..9), then the 1,024 red,
 * 1,024 green and 1,024 blue pixels, rows top to bottom. That is already the {@code 3x32x32}
 * channel-major layout of {@link LabeledImages}, so the pixels are copied as they are.
 *
 * <p>Reading is all-or-nothing: a file of any other length, or with a label above 9, is refused
 * with a message naming the file, and nothing is returned.
 */
public final class Cifar10 {

    /** The six batches: {@code data_batch_1.bin} .. {@code data_batch_5.bin}, then {@code test_batch.bin}. */
    public static final List<String> FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");

    /** Channels, rows and columns of an image. */
    public static final int CHANNELS = 3;
    /** Image height and width. */
    public static final int SIDE = 32;
    /** Bytes per record: a label and 3x32x32 pixels. */
    public static final int RECORD_BYTES = 1 + CHANNELS * SIDE * SIDE;
    /** Records per batch file. */
    public static final int RECORDS_PER_BATCH = 10_000;
    /** The classes, in label order (from the data set's {@code batches.meta.txt}). */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    private static final int IMAGE_BYTES = RECORD_BYTES - 1;
    private static final int BATCH_BYTES = RECORD_BYTES * RECORDS_PER_BATCH;

    private Cifar10() {
    }

    /**
     * Loads the 50,000 training and 10,000 test images from a folder holding the six batches.
     *
     * @param dir the folder
     * @return both sets, named {@code cifar10 train} and {@code cifar10 test}
     * @throws IOException when a file is missing, unreadable, truncated or corrupt (naming it)
     */
    public static Split load(Path dir) throws IOException {
        LabeledImages train = read(dir, FILES.subList(0, 5), "cifar10 train");
        LabeledImages test = read(dir, FILES.subList(5, 6), "cifar10 test");
        return new Split(Dataset.CIFAR10, train, test);
    }

    /**
     * Loads only the test batch.
     *
     * @param dir the folder
     * @return the 10,000 test images
     * @throws IOException when the file is missing, unreadable, truncated or corrupt
     */
    public static LabeledImages loadTestSet(Path dir) throws IOException {
        return read(dir, FILES.subList(5, 6), "cifar10 test");
    }

    /**
     * Reads one file of CIFAR-10-style records of any image shape: a label byte (0..9), then
     * {@code channels * rows * cols} pixel bytes, channel after channel, each row-major, as many
     * records as the file holds (a batch, a part of one, several concatenated). A file starting
     * with gzip's magic bytes is decompressed first, whatever its name.
     *
     * @param file     the file
     * @param channels channels per image (3 for CIFAR-10)
     * @param rows     image height
     * @param cols     image width
     * @return the images, named after the file, with {@value Dataset#CLASSES} classes
     * @throws IOException              naming the file: when it cannot be read, is empty, is not a
     *                                  whole number of records (its length, the record size and
     *                                  what is left over are given), holds more than 2 GiB, or a
     *                                  record's label is above 9 (the record is named, counted from
     *                                  1: a label byte out of range means the records are not aligned)
     * @throws IllegalArgumentException when a size is not positive
     */
    public static LabeledImages readRecords(Path file, int channels, int rows, int cols) throws IOException {
        if (channels < 1 || channels > 255 || rows < 1 || cols < 1 || (long) channels * rows * cols > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("image size " + channels + " x " + rows + " x " + cols
                    + " is not a positive size of at most 255 channels");
        }
        int imageBytes = channels * rows * cols;
        long record = 1L + imageBytes;
        String layout = record + " bytes (1 label byte, then " + channels + " x " + rows + " x " + cols + " pixel bytes)";
        byte[] all;
        boolean gz;
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            gz = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            try (InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
                all = in.readNBytes(Integer.MAX_VALUE - 16);
                if (in.read() >= 0) {
                    throw new IOException(file + ": over 2 GiB" + (gz ? " uncompressed" : "") + "; split it (records of "
                            + layout + ")");
                }
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new IOException(file + ": corrupt or truncated gzip content: " + e.getMessage(), e);
        }
        String bytes = all.length + " bytes" + (gz ? " uncompressed" : "");
        if (all.length == 0) {
            throw new IOException(file + ": empty; expected records of " + layout);
        }
        if (all.length % record != 0) {
            long whole = all.length / record;
            throw new IOException(file + ": " + bytes + " is not a whole number of records of " + layout + ": " + whole
                    + (whole == 1 ? " record" : " records") + " and " + all.length % record + " bytes over (a truncated"
                    + " file, or records of another image size)");
        }
        int count = (int) (all.length / record);
        byte[] pixels = new byte[count * imageBytes];
        byte[] labels = new byte[count];
        for (int r = 0; r < count; r++) {
            int at = (int) (r * record);
            int label = all[at] & 0xff;
            if (label > 9) {
                throw new IOException(file + ": record " + (r + 1) + " of " + count + " has label " + label + ", expected"
                        + " 0..9: not records of " + layout + ", or a damaged file");
            }
            labels[r] = (byte) label;
            System.arraycopy(all, at + 1, pixels, r * imageBytes, imageBytes);
        }
        return LabeledImages.of(file.getFileName().toString(), channels, rows, cols, Dataset.CLASSES, pixels, labels);
    }

    private static LabeledImages read(Path dir, List<String> names, String setName) throws IOException {
        int count = names.size() * RECORDS_PER_BATCH;
        byte[] pixels = new byte[count * IMAGE_BYTES];
        byte[] labels = new byte[count];
        byte[] batch = new byte[BATCH_BYTES];
        for (int f = 0; f < names.size(); f++) {
            Path file = Mnist.find(dir, names.get(f));
            if (file == null) {
                throw new NoSuchFileException(dir.resolve(names.get(f)).toString(), null,
                        "neither " + names.get(f) + " nor " + names.get(f) + ".gz in " + dir);
            }
            readBatch(file, batch);
            for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                int at = r * RECORD_BYTES;
                int label = batch[at] & 0xff;
                if (label > 9) {
                    throw new IOException(file + ": corrupt CIFAR-10 batch: record " + r + " has label " + label
                            + ", expected 0..9");
                }
                int i = f * RECORDS_PER_BATCH + r;
                labels[i] = (byte) label;
                System.arraycopy(batch, at + 1, pixels, i * IMAGE_BYTES, IMAGE_BYTES);
            }
        }
        return LabeledImages.of(setName, CHANNELS, SIDE, SIDE, Dataset.CLASSES, pixels, labels);
    }

    /** Reads exactly one batch's bytes into {@code out}; refuses a shorter or longer content. */
    private static void readBatch(Path file, byte[] out) throws IOException {
        boolean gz = file.getFileName().toString().endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            int done = in.readNBytes(out, 0, out.length);
            if (done < out.length) {
                throw new IOException(file + ": truncated CIFAR-10 batch: " + done + " bytes" + (gz ? " uncompressed" : "")
                        + ", expected " + out.length + " (" + RECORDS_PER_BATCH + " records of " + RECORD_BYTES
                        + " bytes)");
            }
            if (in.read() >= 0) {
                throw new IOException(file + ": not a CIFAR-10 batch: longer than " + out.length + " bytes ("
                        + RECORDS_PER_BATCH + " records of " + RECORD_BYTES + " bytes)");
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new IOException(file + ": corrupt or truncated gzip content: " + e.getMessage(), e);
        }
    }
}
