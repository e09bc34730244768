package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * One IDX file of unsigned bytes (the format of MNIST and Fashion-MNIST): its dimensions and its
 * data, row-major.
 *
 * <p>The format: two zero bytes, an element-type byte ({@code 0x08} = unsigned byte, the only type
 * this class reads), the number of dimensions d, then d big-endian 32-bit sizes, then the product
 * of the sizes in data bytes. Files may be gzip-compressed; compression is recognised by the gzip
 * magic bytes, not by the file name.
 *
 * <p>Reading is all-or-nothing: the whole (decompressed) file is loaded and its header checked
 * against its length before an {@code IdxArray} exists, so a truncated or corrupt file is refused
 * with an {@link IOException}, never half-read. Instances are immutable.
 */
public final class IdxArray {

    /** The IDX element-type code of unsigned bytes. */
    public static final int TYPE_UNSIGNED_BYTE = 0x08;

    /** The largest dimension count accepted; MNIST uses 1 (labels) and 3 (images). */
    public static final int MAX_DIMENSIONS = 8;

    /** Refuse absurd declared sizes before allocating (MNIST's largest file is 47 MB). */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 64;

    private final int[] dims;
    private final byte[] data;

    private IdxArray(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /**
     * Creates an IDX array from dimensions and row-major data (both copied).
     *
     * @param dims the sizes, outermost first (1 to {@value #MAX_DIMENSIONS} of them, each positive)
     * @param data the elements, {@code data.length} = product of {@code dims}
     * @return the array
     * @throws IllegalArgumentException when a size is not positive or {@code data} has the wrong length
     */
    public static IdxArray of(int[] dims, byte[] data) {
        if (dims.length < 1 || dims.length > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("IdxArray: dims has " + dims.length
                    + " entries, expected 1.." + MAX_DIMENSIONS);
        }
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException("IdxArray: dims[" + i + "] = " + dims[i] + ", expected > 0");
            }
            n *= dims[i];
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException("IdxArray: " + Arrays.toString(dims) + " is too large");
            }
        }
        if (data.length != n) {
            throw new IllegalArgumentException("IdxArray: dims " + Arrays.toString(dims) + " need " + n
                    + " bytes, data has " + data.length);
        }
        return new IdxArray(dims.clone(), data.clone());
    }

    /**
     * Pairs an images array (3 dimensions: count, rows, columns) with a labels array (1 dimension).
     *
     * @param name    a name for messages, e.g. {@code "mnist test"}
     * @param images  the images
     * @param labels  the labels
     * @param classes the number of classes; every label must be below it
     * @return the set
     * @throws IllegalArgumentException when the shapes disagree or a label is out of range (the
     *                                  message names the first bad label's index)
     */
    public static LabeledImages labeledImages(String name, IdxArray images, IdxArray labels, int classes) {
        if (images.rank() != 3) {
            throw new IllegalArgumentException(name + ": images must have 3 dimensions (count, rows, columns), got "
                    + images);
        }
        if (labels.rank() != 1) {
            throw new IllegalArgumentException(name + ": labels must have 1 dimension, got " + labels);
        }
        if (images.dim(0) != labels.dim(0)) {
            throw new IllegalArgumentException(name + ": " + images.dim(0) + " images but " + labels.dim(0) + " labels");
        }
        return LabeledImages.of(name, images.dim(1), images.dim(2), classes, images.data, labels.data);
    }

    /**
     * A set's images as an IDX array: (count, rows, cols) for one channel, else (count, channels,
     * rows, cols).
     *
     * @param set the images
     * @return the array
     */
    public static IdxArray images(LabeledImages set) {
        int[] dims = set.channels() == 1 ? new int[] {set.count(), set.rows(), set.cols()}
                : new int[] {set.count(), set.channels(), set.rows(), set.cols()};
        return new IdxArray(dims, set.pixels());
    }

    /**
     * A set's labels as an IDX array (count).
     *
     * @param set the images
     * @return the array
     */
    public static IdxArray labels(LabeledImages set) {
        return new IdxArray(new int[] {set.count()}, set.labels());
    }

    /**
     * Reads an IDX file, gzipped or not.
     *
     * @param file the file
     * @return the array
     * @throws NoSuchFileException when the file does not exist
     * @throws IOException         when the file cannot be read or is truncated, corrupt or not IDX
     *                             (the message names the file and the defect)
     */
    public static IdxArray read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return parse(bytes, file.toString());
    }

    /**
     * Reads an IDX file from a stream (gzipped or not), to its end.
     *
     * @param in     the stream; read to the end, not closed
     * @param source a name for the stream in error messages
     * @return the array
     * @throws IOException when the stream cannot be read or holds a truncated, corrupt or non-IDX file
     */
    public static IdxArray read(InputStream in, String source) throws IOException {
        return parse(in.readAllBytes(), source);
    }

    /**
     * Parses the bytes of an IDX file, gzipped or not.
     *
     * @param bytes  the file's content (not modified)
     * @param source a name for the content in error messages
     * @return the array
     * @throws IOException when the content is truncated, corrupt or not IDX
     */
    public static IdxArray parse(byte[] bytes, String source) throws IOException {
        byte[] raw = isGzip(bytes) ? gunzip(bytes, source) : bytes;
        if (raw.length < 4) {
            throw new IOException(source + ": truncated IDX file: " + raw.length
                    + " bytes, not even the 4-byte magic number");
        }
        if (raw[0] != 0 || raw[1] != 0) {
            throw new IOException(String.format("%s: not an IDX file: magic number starts with 0x%02x%02x, expected 0x0000",
                    source, raw[0] & 0xff, raw[1] & 0xff));
        }
        int type = raw[2] & 0xff;
        if (type != TYPE_UNSIGNED_BYTE) {
            throw new IOException(String.format("%s: unsupported IDX element type 0x%02x, only 0x%02x (unsigned byte) is read",
                    source, type, TYPE_UNSIGNED_BYTE));
        }
        int d = raw[3] & 0xff;
        if (d < 1 || d > MAX_DIMENSIONS) {
            throw new IOException(source + ": IDX header declares " + d + " dimensions, expected 1.." + MAX_DIMENSIONS);
        }
        int header = 4 + 4 * d;
        if (raw.length < header) {
            throw new IOException(source + ": truncated IDX header: " + d + " dimensions need " + header
                    + " header bytes, the file has " + raw.length);
        }
        int[] dims = new int[d];
        long n = 1;
        for (int i = 0; i < d; i++) {
            int p = 4 + 4 * i;
            dims[i] = ((raw[p] & 0xff) << 24) | ((raw[p + 1] & 0xff) << 16) | ((raw[p + 2] & 0xff) << 8) | (raw[p + 3] & 0xff);
            if (dims[i] <= 0) {
                throw new IOException(source + ": IDX dimension " + i + " has size " + Integer.toUnsignedString(dims[i])
                        + ", expected 1.." + Integer.MAX_VALUE);
            }
            n *= dims[i];
            if (n > MAX_ELEMENTS) {
                throw new IOException(source + ": IDX dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + " declare more than " + MAX_ELEMENTS + " elements");
            }
        }
        long present = raw.length - (long) header;
        if (present < n) {
            throw new IOException(source + ": truncated IDX file: dimensions " + describe(dims) + " need " + n
                    + " data bytes, only " + present + " follow the header");
        }
        if (present > n) {
            throw new IOException(source + ": corrupt IDX file: dimensions " + describe(dims) + " need " + n
                    + " data bytes, but " + present + " follow the header (" + (present - n) + " trailing bytes)");
        }
        return new IdxArray(dims, Arrays.copyOfRange(raw, header, raw.length));
    }

    private static boolean isGzip(byte[] bytes) {
        return bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
    }

    private static byte[] gunzip(byte[] bytes, String source) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new IOException(source + ": truncated gzip stream (" + bytes.length + " compressed bytes)", e);
        } catch (ZipException e) {
            throw new IOException(source + ": corrupt gzip stream: " + e.getMessage(), e);
        }
    }

    private static String describe(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(dims[i]);
        }
        return sb.toString();
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /**
     * One dimension's size.
     *
     * @param i the dimension, 0 = outermost
     * @return its size
     * @throws IndexOutOfBoundsException when {@code i} is not in [0, rank)
     */
    public int dim(int i) {
        return dims[i];
    }

    /** A copy of the sizes, outermost first. */
    public int[] dims() {
        return dims.clone();
    }

    /** The number of elements (product of the sizes). */
    public int size() {
        return data.length;
    }

    /**
     * One element as an unsigned value.
     *
     * @param flatIndex the row-major index
     * @return the element, 0..255
     */
    public int get(int flatIndex) {
        return data[flatIndex] & 0xff;
    }

    /** A copy of the elements, row-major (as signed Java bytes; mask with {@code 0xff}). */
    public byte[] data() {
        return data.clone();
    }

    /**
     * The complete file content, uncompressed.
     *
     * @return header and data
     */
    public byte[] toBytes() {
        int header = 4 + 4 * dims.length;
        byte[] out = new byte[header + data.length];
        out[2] = (byte) TYPE_UNSIGNED_BYTE;
        out[3] = (byte) dims.length;
        for (int i = 0; i < dims.length; i++) {
            int p = 4 + 4 * i;
            out[p] = (byte) (dims[i] >>> 24);
            out[p + 1] = (byte) (dims[i] >>> 16);
            out[p + 2] = (byte) (dims[i] >>> 8);
            out[p + 3] = (byte) dims[i];
        }
        System.arraycopy(data, 0, out, header, data.length);
        return out;
    }

    /**
     * Writes the array as an IDX file, gzipped when the name ends with {@code .gz}.
     *
     * <p>The gzip header carries no timestamp or file name, so equal arrays give byte-identical files.
     *
     * @param file the file to create or replace
     * @throws IOException when the file cannot be written
     */
    public void write(Path file) throws IOException {
        byte[] bytes = toBytes();
        if (file.getFileName().toString().endsWith(".gz")) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(bytes.length / 4 + 64);
            try (OutputStream gz = new GZIPOutputStream(buf)) {
                gz.write(bytes);
            }
            bytes = buf.toByteArray();
        }
        Files.write(file, bytes);
    }

    /**
     * The first {@code count} entries along the outermost dimension.
     *
     * @param count how many, 1..dim(0)
     * @return a new array
     * @throws IllegalArgumentException when {@code count} is out of range
     */
    public IdxArray head(int count) {
        if (count < 1 || count > dims[0]) {
            throw new IllegalArgumentException("head: count " + count + " not in [1, " + dims[0] + "]");
        }
        int stride = data.length / dims[0];
        int[] d = dims.clone();
        d[0] = count;
        return new IdxArray(d, Arrays.copyOf(data, count * stride));
    }

    @Override
    public String toString() {
        return "IdxArray[" + describe(dims) + "]";
    }
}
