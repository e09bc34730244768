package io.github.lola4j.nn;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The lola4j model file format, versions 1 and 2 (described in full in {@code docs/models.md}).
 *
 * <p>A model file is one lola4j {@link Envelope} of kind model (fingerprint 0), little-endian
 * header, whose version is the payload's: 1 holds one pixel scale, 2 a per-channel input
 * normalization. The payload is big-endian: metadata, weight encoding, input shape, layers.
 * Files of earlier releases, framed as {@code "L4JM" | version u16 | payload length u32 | payload
 * | CRC-32C} (big-endian), are read too; the shipped models are such files.
 *
 * <p>Reading is all-or-nothing: magic, kind, version, length and checksum are checked first, then
 * the payload is decoded into temporaries and the {@link Network} is built, which validates every
 * layer geometry, every weight (finite) and the chaining of shapes. Each failure is an
 * {@link IOException} whose message names the source and the defect.
 */
public final class ModelFormat {

    /** The magic bytes of the framing before the envelope, {@code "L4JM"} (still read). */
    static final byte[] LEGACY_MAGIC = {'L', '4', 'J', 'M'};

    /**
     * The newest payload version, written for models whose input normalization is not a single
     * pixel scale; the others are written as version 1, the payload earlier releases wrote.
     */
    public static final int VERSION = 2;

    /** The version whose metadata holds one pixel scale. */
    static final int VERSION_PIXEL_SCALE = 1;

    /** Bytes before the payload: the envelope's header. */
    static final int HEADER_BYTES = Envelope.HEADER_BYTES;

    /** Bytes before the payload in the framing before the envelope: magic, version, payload length. */
    static final int LEGACY_HEADER_BYTES = 10;

    /** The largest model file read (refuses absurd lengths before allocating). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    /** The most layers a model may have. */
    static final int MAX_LAYERS = 1000;

    static final int TAG_CONV2D = 1;
    static final int TAG_DENSE = 2;
    static final int TAG_SQUARE = 3;
    static final int TAG_POLY = 4;
    static final int TAG_AVGPOOL = 5;
    static final int TAG_FLATTEN = 6;
    static final int TAG_AFFINE = 7;

    /** How weights and biases are stored. */
    public enum WeightEncoding {
        /** IEEE 754 binary32 (4 bytes each): the shipped models' choice, half the size. */
        FLOAT32(1),
        /** IEEE 754 binary64 (8 bytes each): exact for any double. */
        FLOAT64(2);

        private final int code;

        WeightEncoding(int code) {
            this.code = code;
        }

        /** The code stored in the file. */
        public int code() {
            return code;
        }

        /**
         * The smallest encoding that stores every parameter of {@code net} exactly.
         *
         * @param net the network
         * @return {@link #FLOAT32} when every parameter is a float, else {@link #FLOAT64}
         */
        public static WeightEncoding lossless(Network net) {
            return lossless(net.layers());
        }

        /**
         * The smallest encoding that stores every parameter of a graph's layers exactly.
         *
         * @param graph the graph
         * @return {@link #FLOAT32} when every parameter is a float, else {@link #FLOAT64}
         */
        public static WeightEncoding lossless(GraphNetwork graph) {
            List<Layer> layers = new ArrayList<>();
            for (GraphNetwork.Node n : graph.nodes()) {
                if (n.layer() != null) {
                    layers.add(n.layer());
                }
            }
            return lossless(layers);
        }

        private static WeightEncoding lossless(List<Layer> layers) {
            for (Layer l : layers) {
                for (double v : l.parameters()) {
                    if ((double) (float) v != v) {
                        return FLOAT64;
                    }
                }
            }
            return FLOAT32;
        }

        static WeightEncoding byCode(int code) {
            for (WeightEncoding e : values()) {
                if (e.code == code) {
                    return e;
                }
            }
            return null;
        }
    }

    private ModelFormat() {
    }

    /**
     * Writes a network to a file (through a temporary file, so a failed write leaves no partial model).
     *
     * @param net      the network
     * @param file     the file to create or replace
     * @param encoding how weights are stored
     * @throws IOException when the file cannot be written
     */
    public static void write(Network net, Path file, WeightEncoding encoding) throws IOException {
        byte[] bytes = toBytes(net, encoding);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // A sibling written with the default permissions (createTempFile would make it owner-only),
        // then renamed over the target.
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Encodes a network.
     *
     * @param net      the network
     * @param encoding how weights are stored
     * @return the complete file content
     */
    public static byte[] toBytes(Network net, WeightEncoding encoding) {
        byte[] payload = payload(net, encoding);
        try {
            ByteArrayOutputStream file = new ByteArrayOutputStream(payload.length + HEADER_BYTES + Envelope.TRAILER_BYTES);
            Envelope.write(file, Envelope.Kind.MODEL, payloadVersion(net), 0, payload);
            return file.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    /** The payload: metadata, weight encoding, input shape, layers (big-endian). */
    private static byte[] payload(Network net, WeightEncoding encoding) {
        try {
            ByteArrayOutputStream payloadBuf = new ByteArrayOutputStream(1 << 16);
            DataOutputStream p = new DataOutputStream(payloadBuf);
            ModelInfo info = net.info();
            writeString(p, info.name());
            writeString(p, info.dataset());
            InputNormalization norm = info.normalization();
            if (norm.isPixelScale()) {
                p.writeDouble(norm.scale(0));
            } else {
                p.writeByte(norm.channels());
                for (int c = 0; c < norm.channels(); c++) {
                    p.writeDouble(norm.scale(c));
                    p.writeDouble(norm.offset(c));
                }
            }
            p.writeDouble(info.testAccuracy());
            writeString(p, info.trainingCommand());
            p.writeLong(info.seed());
            p.writeByte(encoding.code());
            Shape in = net.inputShape();
            p.writeByte(in.rank());
            for (int i = 0; i < in.rank(); i++) {
                p.writeInt(in.dim(i));
            }
            p.writeShort(net.layers().size());
            for (Layer l : net.layers()) {
                writeLayer(p, l, encoding);
            }
            p.flush();
            return payloadBuf.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    private static int payloadVersion(Network net) {
        return net.info().normalization().isPixelScale() ? VERSION_PIXEL_SCALE : VERSION;
    }

    /**
     * The bytes a plan's fingerprint hashes for its network: the payload as {@link #toBytes}
     * writes it, framed as model files were before the envelope ({@code "L4JM" | version u16 |
     * length u32 | payload | CRC-32C}, big-endian). Kept in that form so that the fingerprints of
     * plans compiled by earlier releases, and the plan files that carry them, stay valid.
     *
     * @param net      the network
     * @param encoding how weights are stored
     * @return the bytes
     */
    public static byte[] fingerprintBytes(Network net, WeightEncoding encoding) {
        byte[] payload = payload(net, encoding);
        ByteBuffer b = ByteBuffer.allocate(LEGACY_HEADER_BYTES + payload.length + 4);
        b.put(LEGACY_MAGIC).putShort((short) payloadVersion(net)).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, LEGACY_HEADER_BYTES + payload.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static void writeLayer(DataOutputStream p, Layer l, WeightEncoding enc) throws IOException {
        if (l instanceof Conv2d c) {
            Conv2d.Geometry g = c.geometry();
            p.writeByte(TAG_CONV2D);
            for (int v : new int[] {g.inChannels(), g.outChannels(), g.kernelRows(), g.kernelCols(), g.strideRows(),
                g.strideCols(), g.padTop(), g.padBottom(), g.padLeft(), g.padRight()}) {
                p.writeInt(v);
            }
            writeValues(p, c.parameters(), enc);
        } else if (l instanceof Dense d) {
            p.writeByte(TAG_DENSE);
            p.writeInt(d.inputs());
            p.writeInt(d.outputs());
            writeValues(p, d.parameters(), enc);
        } else if (l instanceof Square) {
            p.writeByte(TAG_SQUARE);
        } else if (l instanceof PolyActivation a) {
            p.writeByte(TAG_POLY);
            p.writeDouble(a.a());
            p.writeDouble(a.b());
            p.writeDouble(a.c());
        } else if (l instanceof AvgPool a) {
            p.writeByte(TAG_AVGPOOL);
            p.writeInt(a.kernelRows());
            p.writeInt(a.kernelCols());
            p.writeInt(a.strideRows());
            p.writeInt(a.strideCols());
        } else if (l instanceof Flatten) {
            p.writeByte(TAG_FLATTEN);
        } else if (l instanceof Affine a) {
            p.writeByte(TAG_AFFINE);
            p.writeInt(a.inputs());
            Shape out = a.output();
            p.writeByte(out.rank());
            for (int i = 0; i < out.rank(); i++) {
                p.writeInt(out.dim(i));
            }
            p.writeInt(a.storedWeights());
            for (int v : a.rowStarts()) {
                p.writeInt(v);
            }
            for (int v : a.columns()) {
                p.writeInt(v);
            }
            writeValues(p, a.parameters(), enc);
        } else {
            throw new IllegalStateException("no encoding for layer type " + l.kind());
        }
    }

    private static void writeValues(DataOutputStream p, double[] values, WeightEncoding enc) throws IOException {
        for (double v : values) {
            if (enc == WeightEncoding.FLOAT32) {
                p.writeFloat((float) v);
            } else {
                p.writeDouble(v);
            }
        }
    }

    private static void writeString(DataOutputStream p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("string of " + b.length + " UTF-8 bytes is too long for a model file");
        }
        p.writeShort(b.length);
        p.write(b);
    }

    /**
     * Reads a model file.
     *
     * @param file the file
     * @return the network
     * @throws IOException when the file cannot be read or is malformed; the message names the file
     *                     and the defect (bad magic, version, truncated, checksum, shapes, weights)
     */
    public static Network read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes, larger than any model file (limit " + MAX_FILE_BYTES + ")");
        }
        return fromBytes(Files.readAllBytes(file), file.toString());
    }

    /**
     * Reads a model from a stream, to its end.
     *
     * @param in     the stream (not closed)
     * @param source a name for messages
     * @return the network
     * @throws IOException when the stream cannot be read or holds a malformed model
     */
    public static Network read(InputStream in, String source) throws IOException {
        byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1); // grows with what arrives, up to the limit
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IOException(source + ": more than " + MAX_FILE_BYTES + " bytes, larger than any model file");
        }
        return fromBytes(bytes, source);
    }

    /**
     * Decodes a model file's content.
     *
     * @param bytes  the content (not modified)
     * @param source a name for messages
     * @return the network
     * @throws IOException when the content is malformed
     */
    public static Network fromBytes(byte[] bytes, String source) throws IOException {
        int version;
        ByteBuffer payload;
        if (bytes.length >= LEGACY_MAGIC.length && Envelope.matchesMagic(bytes)) {
            if (bytes.length < HEADER_BYTES + Envelope.TRAILER_BYTES) {
                throw new IOException(source + ": truncated model file: " + bytes.length + " bytes, the header and checksum alone need "
                        + (HEADER_BYTES + Envelope.TRAILER_BYTES));
            }
            EnvelopeReader r = EnvelopeReader.begin(new ByteArrayInputStream(bytes), source, Envelope.Kind.MODEL);
            version = checkVersion(r.version(), source);
            checkLength(bytes.length, HEADER_BYTES + r.payloadLength() + Envelope.TRAILER_BYTES, r.payloadLength(), source);
            byte[] p = r.rest("the payload");
            r.finish();
            payload = ByteBuffer.wrap(p);
        } else {
            // A short prefix of a magic is a truncated model, anything else is not a model at all.
            // (a shorter array that matches is a file cut inside the envelope's magic)
            if (!startsWith(bytes, LEGACY_MAGIC) && !Envelope.matchesMagic(bytes)) {
                throw new IOException(source + ": not a lola4j model file (bad magic "
                        + hex(bytes, Math.min(4, bytes.length)) + ", expected \"L4J\" 0xCC, or \"L4JM\" of earlier releases)");
            }
            if (bytes.length < LEGACY_HEADER_BYTES + 4) {
                throw new IOException(source + ": truncated model file: " + bytes.length + " bytes, the header and checksum alone need "
                        + (bytes.length < LEGACY_MAGIC.length ? HEADER_BYTES + Envelope.TRAILER_BYTES : LEGACY_HEADER_BYTES + 4));
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            buf.position(LEGACY_MAGIC.length);
            version = checkVersion(buf.getShort() & 0xffff, source);
            long payloadLength = buf.getInt() & 0xffffffffL;
            checkLength(bytes.length, LEGACY_HEADER_BYTES + payloadLength + 4, payloadLength, source);
            int end = (int) (LEGACY_HEADER_BYTES + payloadLength);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, end);
            int stored = ByteBuffer.wrap(bytes, end, 4).getInt();
            if ((int) crc.getValue() != stored) {
                throw new IOException(String.format("%s: checksum mismatch: stored CRC-32C 0x%08x, computed 0x%08x (the file is corrupt)",
                        source, stored, (int) crc.getValue()));
            }
            payload = ByteBuffer.wrap(bytes, LEGACY_HEADER_BYTES, (int) payloadLength).slice();
        }
        try {
            Network net = decodePayload(payload, source, version);
            if (payload.hasRemaining()) {
                throw new IOException(source + ": corrupt model: " + payload.remaining()
                        + " payload bytes left after the last layer");
            }
            return net;
        } catch (BufferUnderflowException e) {
            throw new IOException(source + ": corrupt model: the payload ends in the middle of a field", e);
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] magic) {
        return bytes.length >= magic.length && Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length);
    }

    private static int checkVersion(int version, String source) throws IOException {
        if (version != VERSION && version != VERSION_PIXEL_SCALE) {
            throw new IOException(source + ": unsupported model format version " + version + " (this lola4j reads versions "
                    + VERSION_PIXEL_SCALE + " and " + VERSION + ")");
        }
        return version;
    }

    private static void checkLength(long actual, long expected, long payloadLength, String source) throws IOException {
        if (actual < expected) {
            throw new IOException(source + ": truncated model file: the header declares " + payloadLength
                    + " payload bytes, so " + expected + " bytes in all, but the file has " + actual);
        }
        if (actual > expected) {
            throw new IOException(source + ": corrupt model file: " + (actual - expected)
                    + " unexpected bytes after the checksum (the header declares " + expected + " bytes in all)");
        }
    }

    private static Network decodePayload(ByteBuffer p, String source, int version) throws IOException {
        String name = readString(p, source, "name");
        String dataset = readString(p, source, "dataset");
        double[] scale;
        double[] offset;
        if (version == VERSION_PIXEL_SCALE) {
            scale = new double[] {p.getDouble()};
            offset = new double[1];
        } else {
            int channels = p.get() & 0xff;
            scale = new double[channels];
            offset = new double[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = p.getDouble();
                offset[c] = p.getDouble();
            }
        }
        long accuracyBits = p.getLong();
        double accuracy = Double.longBitsToDouble(accuracyBits);
        // An unknown accuracy is NaN, which the writer stores as the one canonical NaN: another
        // NaN would read as the same metadata but not be the file the writer makes of it.
        if (Double.isNaN(accuracy) && accuracyBits != Double.doubleToLongBits(Double.NaN)) {
            throw new IOException(String.format("%s: bad metadata: the test accuracy is the NaN 0x%016x, expected the"
                    + " canonical NaN 0x%016x (an unknown accuracy)", source, accuracyBits, Double.doubleToLongBits(Double.NaN)));
        }
        String command = readString(p, source, "training command");
        long seed = p.getLong();
        ModelInfo info;
        try {
            info = new ModelInfo(name, dataset, InputNormalization.affine(scale, offset), accuracy, command, seed);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": bad metadata: " + e.getMessage(), e);
        }
        int encCode = p.get() & 0xff;
        WeightEncoding enc = WeightEncoding.byCode(encCode);
        if (enc == null) {
            throw new IOException(source + ": unknown weight encoding " + encCode + " (expected 1 = float32 or 2 = float64)");
        }
        int rank = p.get() & 0xff;
        if (rank < 1 || rank > 4) {
            throw new IOException(source + ": input shape has rank " + rank + ", expected 1..4");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = p.getInt();
        }
        Shape input;
        try {
            input = Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": bad input shape: " + e.getMessage(), e);
        }
        int count = p.getShort() & 0xffff;
        if (count < 1 || count > MAX_LAYERS) {
            throw new IOException(source + ": " + count + " layers, expected 1.." + MAX_LAYERS);
        }
        List<Layer> layers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int tag = p.get() & 0xff;
            try {
                layers.add(readLayer(p, tag, enc));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": layer " + i + ": " + e.getMessage(), e);
            } catch (BufferUnderflowException e) {
                throw new IOException(source + ": corrupt model: the payload ends inside layer " + i + " (" + tagName(tag)
                        + ")", e);
            }
        }
        try {
            return Network.of(input, layers, info);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": wrong shapes: " + e.getMessage(), e);
        }
    }

    private static Layer readLayer(ByteBuffer p, int tag, WeightEncoding enc) {
        switch (tag) {
            case TAG_CONV2D: {
                int[] g = new int[10];
                for (int k = 0; k < g.length; k++) {
                    g[k] = p.getInt();
                }
                // The weight count as a running product, checked at each factor: the four factors'
                // product can wrap around even a long (2^30 each gives 2^120).
                long weights = 1;
                for (int k = 0; k < 4; k++) {
                    weights *= Math.max(1, g[k]);
                    if (weights > 1L << 28) {
                        throw new IllegalArgumentException("conv2d: " + g[1] + "x" + g[0] + "x" + g[2] + "x" + g[3]
                                + " weights are more than 2^28");
                    }
                }
                Conv2d.Geometry geo = new Conv2d.Geometry(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9]);
                double[] w = readValues(p, geo.weightCount(), enc);
                double[] b = readValues(p, geo.outChannels(), enc);
                return Conv2d.of(geo, w, b);
            }
            case TAG_DENSE: {
                int in = p.getInt();
                int out = p.getInt();
                if (in <= 0 || out <= 0 || (long) in * out > 1L << 28) {
                    throw new IllegalArgumentException("dense: sizes " + in + "->" + out
                            + " must be positive and at most 2^28 weights");
                }
                double[] w = readValues(p, in * out, enc);
                double[] b = readValues(p, out, enc);
                return Dense.of(in, out, w, b);
            }
            case TAG_SQUARE:
                return Square.INSTANCE;
            case TAG_POLY:
                return PolyActivation.of(p.getDouble(), p.getDouble(), p.getDouble());
            case TAG_AVGPOOL:
                return AvgPool.of(p.getInt(), p.getInt(), p.getInt(), p.getInt());
            case TAG_FLATTEN:
                return Flatten.INSTANCE;
            case TAG_AFFINE:
                return readAffine(p, enc);
            default:
                throw new IllegalArgumentException("unknown layer type " + tag + " (expected 1.." + TAG_AFFINE + ")");
        }
    }

    /** An affine layer; every count is checked against the bytes left before anything is allocated. */
    private static Affine readAffine(ByteBuffer p, WeightEncoding enc) {
        int inputs = p.getInt();
        int rank = p.get() & 0xff;
        if (rank < 1 || rank > 4) {
            throw new IllegalArgumentException("affine: output shape has rank " + rank + ", expected 1..4");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = p.getInt();
        }
        Shape out = Shape.of(dims);
        int nnz = p.getInt();
        if (nnz < 0 || nnz > Affine.MAX_WEIGHTS) {
            throw new IllegalArgumentException("affine: " + nnz + " weights, expected 0.." + Affine.MAX_WEIGHTS);
        }
        if (4L * (out.size() + 1) + 4L * nnz > p.remaining()) {
            throw new BufferUnderflowException();
        }
        int[] start = new int[out.size() + 1];
        for (int i = 0; i < start.length; i++) {
            start[i] = p.getInt();
        }
        int[] cols = new int[nnz];
        for (int i = 0; i < nnz; i++) {
            cols[i] = p.getInt();
        }
        double[] values = readValues(p, nnz + out.size(), enc);
        return Affine.of(inputs, out, start, cols, Arrays.copyOf(values, nnz), Arrays.copyOfRange(values, nnz, values.length));
    }

    private static double[] readValues(ByteBuffer p, int n, WeightEncoding enc) {
        int bytes = enc == WeightEncoding.FLOAT32 ? 4 : 8;
        if ((long) n * bytes > p.remaining()) {
            throw new BufferUnderflowException();
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = enc == WeightEncoding.FLOAT32 ? p.getFloat() : p.getDouble();
        }
        return v;
    }

    private static String readString(ByteBuffer p, String source, String field) throws IOException {
        int n = p.getShort() & 0xffff;
        if (n > p.remaining()) {
            throw new IOException(source + ": corrupt model: the " + field + " string declares " + n
                    + " bytes, only " + p.remaining() + " remain");
        }
        ByteBuffer slice = p.slice();
        slice.limit(n);
        p.position(p.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(source + ": corrupt model: the " + field + " is not valid UTF-8", e);
        }
    }

    private static String tagName(int tag) {
        switch (tag) {
            case TAG_CONV2D:
                return "conv2d";
            case TAG_DENSE:
                return "dense";
            case TAG_POLY:
                return "poly";
            case TAG_AVGPOOL:
                return "avgpool";
            case TAG_AFFINE:
                return "affine";
            default:
                return "type " + tag;
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
