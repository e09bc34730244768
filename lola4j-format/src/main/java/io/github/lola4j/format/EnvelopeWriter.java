package io.github.lola4j.format;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * Writes one {@link Envelope} to a stream as its payload is produced: the header, little-endian
 * fields and raw bytes, computing the CRC32C on the way, then the checksum. The caller states the
 * payload length up front and {@link #finish()} checks that exactly that many bytes were written,
 * so an object is never announced with one length and written with another. Not thread-safe; one
 * instance per object.
 */
public final class EnvelopeWriter {

    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[8];
    private final long expectedEnd;
    private long written;

    private EnvelopeWriter(OutputStream out, long payloadLength) {
        this.out = out;
        this.expectedEnd = Envelope.HEADER_BYTES + payloadLength;
    }

    /**
     * Starts an object by writing its header.
     *
     * @param out           the stream
     * @param kind          the object's kind
     * @param version       the payload's version, in [0, 65535]
     * @param fingerprint   the fingerprint (0 where the kind has none)
     * @param payloadLength the exact number of payload bytes that will follow, not negative
     * @return the writer, positioned at the payload
     * @throws IOException if the stream fails
     */
    public static EnvelopeWriter begin(OutputStream out, Envelope.Kind kind, int version, long fingerprint, long payloadLength)
            throws IOException {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version " + version + " does not fit 16 bits");
        }
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        EnvelopeWriter w = new EnvelopeWriter(out, payloadLength);
        w.bytes(Envelope.MAGIC, 0, Envelope.MAGIC.length);
        w.u16(version);
        w.u8(kind.code());
        w.u8(0);
        w.u64(fingerprint);
        w.u64(payloadLength);
        return w;
    }

    /** One byte. */
    public void u8(int v) throws IOException {
        scratch[0] = (byte) v;
        bytes(scratch, 0, 1);
    }

    /** Two bytes, little-endian. */
    public void u16(int v) throws IOException {
        scratch[0] = (byte) v;
        scratch[1] = (byte) (v >>> 8);
        bytes(scratch, 0, 2);
    }

    /** Four bytes, little-endian. */
    public void u32(int v) throws IOException {
        for (int i = 0; i < 4; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 0, 4);
    }

    /** Eight bytes, little-endian. */
    public void u64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 0, 8);
    }

    /** A double as its IEEE 754 bits, little-endian. */
    public void f64(double v) throws IOException {
        u64(Double.doubleToRawLongBits(v));
    }

    /** Raw bytes. */
    public void bytes(byte[] b, int off, int len) throws IOException {
        crc.update(b, off, len);
        out.write(b, off, len);
        written += len;
    }

    /**
     * Writes the checksum after checking the announced payload length was met.
     *
     * @return the checksum written (a stream digest over several objects can chain it)
     * @throws IOException if the stream fails
     */
    public int finish() throws IOException {
        if (written != expectedEnd) {
            throw new IllegalStateException("internal: wrote " + (written - Envelope.HEADER_BYTES)
                    + " payload bytes, announced " + (expectedEnd - Envelope.HEADER_BYTES));
        }
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            scratch[i] = (byte) (c >>> (8 * i));
        }
        out.write(scratch, 0, 4);
        return c;
    }
}
