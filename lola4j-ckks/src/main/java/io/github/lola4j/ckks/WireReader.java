package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Reads one object of the wire format from a stream into temporaries: the header checks (magic,
 * version, kind, reserved byte, fingerprint), little-endian fields, bit-packed polynomials with
 * every residue checked against its prime, and the CRC32C. It reads exactly the bytes the object
 * occupies and never ahead, so several objects can follow each other in one stream.
 *
 * <p>Every failure is an {@link IOException} whose message starts with the public operation
 * ("readCiphertext: ..."); a stream that ends early gives an {@link EOFException} saying where.
 * Not thread-safe; one instance per object.
 */
final class WireReader {

    private final InputStream in;
    private final String op;
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[WireFormat.HEADER_BYTES];
    private long position;
    private long payloadLength = -1;
    private long fingerprint;
    private byte[] limbBuffer = new byte[0];

    private WireReader(InputStream in, String op) {
        this.in = in;
        this.op = op;
    }

    /**
     * Reads and checks the header of an object.
     *
     * @param in       the stream
     * @param op       the public operation, for messages
     * @param expected the kind the caller asked for
     * @param params   the parameter set the object must belong to, or null for a parameter set
     *                 (whose fingerprint the caller checks after rebuilding it)
     * @return the reader, positioned at the payload
     * @throws IOException on a truncated stream, wrong magic, unknown version, another kind,
     *                     a non-zero reserved byte, another parameter set or an impossible length
     */
    static WireReader begin(InputStream in, String op, WireFormat.Kind expected, CkksParameters params) throws IOException {
        WireReader r = new WireReader(in, op);
        byte[] h = r.scratch;
        r.fill(h, WireFormat.HEADER_BYTES, "the header");
        for (int i = 0; i < WireFormat.MAGIC.length; i++) {
            if (h[i] != WireFormat.MAGIC[i]) {
                throw r.fail(String.format("not a lola4j CKKS object: the magic bytes are %02x %02x %02x %02x,"
                        + " expected 4c 34 4a cc (\"L4J\" 0xCC)", h[0], h[1], h[2], h[3]));
            }
        }
        int version = (h[4] & 0xFF) | (h[5] & 0xFF) << 8;
        if (version != WireFormat.VERSION) {
            throw r.fail("format version " + version + " is not supported (this library reads version "
                    + WireFormat.VERSION + ")");
        }
        int code = h[6] & 0xFF;
        WireFormat.Kind kind = WireFormat.Kind.of(code);
        if (kind == null) {
            throw r.fail("unknown object kind " + code + ", expected " + expected.withArticle() + " (kind " + expected.code + ")");
        }
        if (kind != expected) {
            throw r.fail("the stream holds " + kind.withArticle() + ", expected " + expected.withArticle());
        }
        if (h[7] != 0) {
            throw r.fail("header byte 7 (reserved) is " + (h[7] & 0xFF) + ", expected 0");
        }
        r.fingerprint = le(h, 8);
        if (params != null && r.fingerprint != params.fingerprint()) {
            throw r.fail(String.format("the %s belongs to parameter set %016x, expected %016x (the parameters passed)",
                    kind.description, r.fingerprint, params.fingerprint()));
        }
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

    /** The fingerprint the header carries. */
    long fingerprint() {
        return fingerprint;
    }

    /**
     * Checks the payload length the header announces against the one the object's fields and the
     * parameter set imply (called before any polynomial is allocated).
     *
     * @param expected the implied length
     * @param what     what was implied, for the message
     */
    void expectPayload(long expected, String what) throws IOException {
        if (payloadLength != expected) {
            throw fail("the header announces " + payloadLength + " payload bytes but " + what + " takes " + expected);
        }
    }

    /** The payload bytes the header announces that have not been read yet. */
    long payloadLeft() {
        return WireFormat.HEADER_BYTES + payloadLength - position;
    }

    /** A failure naming the operation. */
    IOException fail(String message) {
        return new IOException(op + ": " + message);
    }

    /** A failure naming the operation, with a cause. */
    IOException fail(String message, Throwable cause) {
        return new IOException(op + ": " + message, cause);
    }

    /** Reads header or payload bytes (checksummed); never beyond the announced payload. */
    private void fill(byte[] b, int len, String what) throws IOException {
        if (payloadLength >= 0 && position + len > WireFormat.HEADER_BYTES + payloadLength) {
            throw fail("the header announces " + payloadLength + " payload bytes, too few to hold " + what);
        }
        read(b, len, what);
        crc.update(b, 0, len);
    }

    private void read(byte[] b, int len, String what) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(b, off, len - off);
            if (r < 0) {
                String of = payloadLength < 0 ? "" : " of " + (WireFormat.HEADER_BYTES + payloadLength + WireFormat.TRAILER_BYTES);
                throw new EOFException(op + ": truncated input: the stream ended after byte " + (position + off) + of
                        + " of the object, while reading " + what);
            }
            off += r;
        }
        position += len;
    }

    int u8(String what) throws IOException {
        fill(scratch, 1, what);
        return scratch[0] & 0xFF;
    }

    int u16(String what) throws IOException {
        fill(scratch, 2, what);
        return (scratch[0] & 0xFF) | (scratch[1] & 0xFF) << 8;
    }

    /** An unsigned 32-bit field, as a long. */
    long u32(String what) throws IOException {
        fill(scratch, 4, what);
        return u32le(scratch);
    }

    long u64(String what) throws IOException {
        fill(scratch, 8, what);
        return le(scratch, 0);
    }

    double f64(String what) throws IOException {
        return Double.longBitsToDouble(u64(what));
    }

    /** A 32-byte seed. */
    byte[] seed(String what) throws IOException {
        byte[] s = new byte[WireFormat.SEED_BYTES];
        fill(s, s.length, what);
        return s;
    }

    /** Raw bytes of a length the caller has bounded. */
    byte[] bytes(int len, String what) throws IOException {
        byte[] b = new byte[len];
        fill(b, len, what);
        return b;
    }

    /**
     * Reads a polynomial over a ring (NTT form), limb by limb; a limb's array is allocated only
     * after its bytes have arrived.
     *
     * @param ring the ring, from the parameter set
     * @param what the polynomial's name, for messages
     * @return the polynomial (a temporary until {@link #finish()} succeeds)
     * @throws IOException on a truncated stream or a residue not below its prime
     */
    RnsPoly poly(RnsRing ring, String what) throws IOException {
        int n = ring.ringDegree();
        long[][] rows = new long[ring.limbs()][];
        for (int i = 0; i < rows.length; i++) {
            int len = WireFormat.limbBytes(ring, i);
            if (limbBuffer.length < len) {
                limbBuffer = new byte[len];
            }
            fill(limbBuffer, len, "limb " + i + " of " + what);
            long q = ring.modulus(i).value();
            long[] row = new long[n];
            int bad = WireFormat.unpack(limbBuffer, 0, ring.modulus(i).bits(), q, row);
            if (bad >= 0) {
                throw fail("residue " + bad + " of limb " + i + " of " + what + " is " + row[bad]
                        + ", not below its prime " + q);
            }
            rows[i] = row;
        }
        return RnsPoly.wrap(ring, rows, true);
    }

    /**
     * Reads the checksum and compares it with the one computed over header and payload.
     *
     * @throws IOException on a truncated stream or a mismatch
     */
    void finish() throws IOException {
        if (position != WireFormat.HEADER_BYTES + payloadLength) {
            throw new IllegalStateException("internal: " + op + " read " + (position - WireFormat.HEADER_BYTES)
                    + " of " + payloadLength + " payload bytes");
        }
        int computed = (int) crc.getValue();
        read(scratch, WireFormat.TRAILER_BYTES, "the checksum");
        int stored = (int) u32le(scratch);
        if (stored != computed) {
            throw fail(String.format("checksum mismatch: the stream says %08x, the content gives %08x (corrupted data)",
                    stored, computed));
        }
    }

    private static long u32le(byte[] b) {
        return (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
    }
}
