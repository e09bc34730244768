package io.github.lola4j.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Reads one {@link Envelope} from a stream: the header checks (magic, kind, reserved byte, a
 * possible payload length), little-endian fields and raw bytes, each counted against the
 * announced payload, and the CRC32C. It reads exactly the bytes the object occupies and never
 * ahead, so several objects can follow each other in one stream. The version and the fingerprint
 * are the caller's to check ({@link #requireVersion}, {@link #fingerprint()}).
 *
 * <p>Every failure is an {@link IOException} whose message starts with the operation given to
 * {@link #begin} ("readCiphertext: ..."); a stream that ends early gives an {@link java.io.EOFException}
 * saying where. Not thread-safe; one instance per object.
 */
public final class EnvelopeReader {

    private final InputStream in;
    private final String op;
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[Envelope.HEADER_BYTES];
    private long position;
    private long payloadLength = -1;
    private int version;
    private Envelope.Kind kind;
    private long fingerprint;

    private EnvelopeReader(InputStream in, String op) {
        this.in = in;
        this.op = op;
    }

    /**
     * Reads and checks the header of an object.
     *
     * @param in       the stream
     * @param op       the operation, for messages
     * @param expected the kind the caller asked for
     * @return the reader, positioned at the payload
     * @throws IOException on a truncated stream, wrong magic, another kind, a non-zero reserved
     *                     byte or an impossible length
     */
    public static EnvelopeReader begin(InputStream in, String op, Envelope.Kind expected) throws IOException {
        EnvelopeReader r = new EnvelopeReader(in, op);
        byte[] h = r.scratch;
        r.fill(h, 0, Envelope.HEADER_BYTES, "the header");
        for (int i = 0; i < Envelope.MAGIC.length; i++) {
            if (h[i] != Envelope.MAGIC[i]) {
                throw r.fail(String.format("not a lola4j object: the magic bytes are %02x %02x %02x %02x,"
                        + " expected 4c 34 4a cc (\"L4J\" 0xCC)", h[0], h[1], h[2], h[3]));
            }
        }
        r.version = (h[4] & 0xFF) | (h[5] & 0xFF) << 8;
        int code = h[6] & 0xFF;
        Envelope.Kind kind = Envelope.Kind.of(code);
        if (kind == null) {
            throw r.fail("unknown object kind " + code + ", expected " + expected.withArticle() + " (kind " + expected.code() + ")");
        }
        if (kind != expected) {
            throw r.fail("the stream holds " + kind.withArticle() + ", expected " + expected.withArticle());
        }
        r.kind = kind;
        if (h[7] != 0) {
            throw r.fail("header byte 7 (reserved) is " + (h[7] & 0xFF) + ", expected 0");
        }
        r.fingerprint = le(h, 8);
        long len = le(h, 16);
        if (len < 0 || len > Long.MAX_VALUE / 2) {
            throw r.fail("the header announces an impossible payload length " + Long.toUnsignedString(len));
        }
        r.payloadLength = len;
        return r;
    }

    private static long le(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFFL);
        }
        return v;
    }

    /** The payload's version, as the header gives it. */
    public int version() {
        return version;
    }

    /**
     * Checks the header's version against the versions this library reads.
     *
     * @param supported the versions read, newest last
     * @throws IOException naming the version found and the ones read
     */
    public void requireVersion(int... supported) throws IOException {
        for (int v : supported) {
            if (v == version) {
                return;
            }
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < supported.length; i++) {
            s.append(i == 0 ? "" : i == supported.length - 1 ? " and " : ", ").append(supported[i]);
        }
        throw fail("format version " + version + " is not supported (this library reads version"
                + (supported.length > 1 ? "s " : " ") + s + " of " + kind.withArticle() + ")");
    }

    /** The fingerprint the header carries. */
    public long fingerprint() {
        return fingerprint;
    }

    /** The payload length the header announces. */
    public long payloadLength() {
        return payloadLength;
    }

    /**
     * Checks the payload length the header announces against the one the object's fields imply
     * (call it before allocating from those fields).
     *
     * @param expected the implied length
     * @param what     what implied it, for the message
     * @throws IOException on a difference
     */
    public void expectPayload(long expected, String what) throws IOException {
        if (payloadLength != expected) {
            throw fail("the header announces " + payloadLength + " payload bytes but " + what + " takes " + expected);
        }
    }

    /** The payload bytes the header announces that have not been read yet. */
    public long payloadLeft() {
        return Envelope.HEADER_BYTES + payloadLength - position;
    }

    /** A failure naming the operation. */
    public IOException fail(String message) {
        return new IOException(op + ": " + message);
    }

    /** A failure naming the operation, with a cause. */
    public IOException fail(String message, Throwable cause) {
        return new IOException(op + ": " + message, cause);
    }

    /**
     * Reads payload bytes into b (checksummed); never beyond the announced payload.
     *
     * @param what what the bytes are, for messages
     * @throws IOException on a truncated stream or a payload too short for them
     */
    public void fill(byte[] b, int off, int len, String what) throws IOException {
        if (payloadLength >= 0 && position + len > Envelope.HEADER_BYTES + payloadLength) {
            throw fail("the header announces " + payloadLength + " payload bytes, too few to hold " + what);
        }
        read(b, off, len, what);
        crc.update(b, off, len);
    }

    private void read(byte[] b, int off, int len, String what) throws IOException {
        long total = payloadLength < 0 ? -1 : Envelope.HEADER_BYTES + payloadLength + Envelope.TRAILER_BYTES;
        Envelope.readFully(in, b, off, len, op, position, total, what);
        position += len;
    }

    /** One byte. */
    public int u8(String what) throws IOException {
        fill(scratch, 0, 1, what);
        return scratch[0] & 0xFF;
    }

    /** Two bytes, little-endian, unsigned. */
    public int u16(String what) throws IOException {
        fill(scratch, 0, 2, what);
        return (scratch[0] & 0xFF) | (scratch[1] & 0xFF) << 8;
    }

    /** Four bytes, little-endian, unsigned, as a long. */
    public long u32(String what) throws IOException {
        fill(scratch, 0, 4, what);
        return (scratch[0] & 0xFFL) | (scratch[1] & 0xFFL) << 8 | (scratch[2] & 0xFFL) << 16 | (scratch[3] & 0xFFL) << 24;
    }

    /** Eight bytes, little-endian. */
    public long u64(String what) throws IOException {
        fill(scratch, 0, 8, what);
        return le(scratch, 0);
    }

    /** A double from its IEEE 754 bits, little-endian. */
    public double f64(String what) throws IOException {
        return Double.longBitsToDouble(u64(what));
    }

    /** Raw bytes of a length the caller has bounded. */
    public byte[] bytes(int len, String what) throws IOException {
        byte[] b = new byte[len];
        fill(b, 0, len, what);
        return b;
    }

    /**
     * The rest of the payload, read in chunks so that memory follows the bytes that arrive, not
     * the length the header claims (the caller bounds the length first).
     *
     * @param what what the bytes are, for messages
     * @return the bytes
     * @throws IOException on a truncated stream
     */
    public byte[] rest(String what) throws IOException {
        long left = payloadLeft();
        if (left > Integer.MAX_VALUE - 16) {
            throw fail("the header announces " + payloadLength + " payload bytes, more than one array holds");
        }
        int n = (int) left;
        byte[] out = new byte[Math.min(n, 1 << 16)];
        int done = 0;
        while (done < n) {
            if (done == out.length) {
                out = java.util.Arrays.copyOf(out, (int) Math.min(n, 2L * out.length));
            }
            int len = out.length - done;
            fill(out, done, len, what);
            done += len;
        }
        return out;
    }

    /**
     * Reads the checksum and compares it with the one computed over header and payload.
     *
     * @return the checksum (a stream digest over several objects can chain it)
     * @throws IOException on a truncated stream or a mismatch
     */
    public int finish() throws IOException {
        if (position != Envelope.HEADER_BYTES + payloadLength) {
            throw new IllegalStateException("internal: " + op + " read " + (position - Envelope.HEADER_BYTES)
                    + " of " + payloadLength + " payload bytes");
        }
        int computed = (int) crc.getValue();
        read(scratch, 0, Envelope.TRAILER_BYTES, "the checksum");
        int stored = (scratch[0] & 0xFF) | (scratch[1] & 0xFF) << 8 | (scratch[2] & 0xFF) << 16 | (scratch[3] & 0xFF) << 24;
        if (stored != computed) {
            throw fail(String.format("checksum mismatch: the stream says %08x, the content gives %08x (corrupted data)",
                    stored, computed));
        }
        return stored;
    }
}
