package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * Writes one object of the wire format to a stream: the header, little-endian fields and
 * bit-packed polynomials, while computing the CRC32C, then the checksum. The caller states the
 * payload length up front (from {@link WireFormat}'s size functions) and {@link #finish()} checks
 * that exactly that many bytes were written. Not thread-safe; one instance per object.
 */
final class WireWriter {

    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[8];
    private final long expectedEnd;
    private long written;
    private byte[] limbBuffer = new byte[0];

    private WireWriter(OutputStream out, long payloadLength) {
        this.out = out;
        this.expectedEnd = WireFormat.HEADER_BYTES + payloadLength;
    }

    /**
     * Starts an object by writing its header.
     *
     * @param out           the stream
     * @param kind          the object's kind
     * @param fingerprint   the fingerprint of its parameter set
     * @param payloadLength the exact number of payload bytes that will follow
     * @return the writer, positioned at the payload
     * @throws IOException if the stream fails
     */
    static WireWriter begin(OutputStream out, WireFormat.Kind kind, long fingerprint, long payloadLength) throws IOException {
        WireWriter w = new WireWriter(out, payloadLength);
        w.bytes(WireFormat.MAGIC, 0, WireFormat.MAGIC.length);
        w.u16(WireFormat.VERSION);
        w.u8(kind.code);
        w.u8(0);
        w.u64(fingerprint);
        w.u64(payloadLength);
        return w;
    }

    void u8(int v) throws IOException {
        scratch[0] = (byte) v;
        bytes(scratch, 0, 1);
    }

    void u16(int v) throws IOException {
        scratch[0] = (byte) v;
        scratch[1] = (byte) (v >>> 8);
        bytes(scratch, 0, 2);
    }

    void u32(int v) throws IOException {
        for (int i = 0; i < 4; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 0, 4);
    }

    void u64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 0, 8);
    }

    void f64(double v) throws IOException {
        u64(Double.doubleToRawLongBits(v));
    }

    void bytes(byte[] b, int off, int len) throws IOException {
        crc.update(b, off, len);
        out.write(b, off, len);
        written += len;
    }

    /**
     * Writes a polynomial limb by limb, bit-packed.
     *
     * @param p    the polynomial (not modified)
     * @param ring the ring it must be over
     */
    void poly(RnsPoly p, RnsRing ring) throws IOException {
        if (!p.ring().sameAs(ring) || !p.isNtt()) {
            throw new IllegalStateException("internal: polynomial over " + p.ring() + " written as " + ring);
        }
        for (int i = 0; i < ring.limbs(); i++) {
            int len = WireFormat.limbBytes(ring, i);
            if (limbBuffer.length < len) {
                limbBuffer = new byte[len];
            }
            WireFormat.pack(p.limb(i), ring.modulus(i).bits(), limbBuffer, 0);
            bytes(limbBuffer, 0, len);
        }
    }

    /** Writes the checksum and checks the stated payload length was met. */
    void finish() throws IOException {
        if (written != expectedEnd) {
            throw new IllegalStateException("internal: wrote " + (written - WireFormat.HEADER_BYTES)
                    + " payload bytes, announced " + (expectedEnd - WireFormat.HEADER_BYTES));
        }
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            scratch[i] = (byte) (c >>> (8 * i));
        }
        out.write(scratch, 0, 4);
    }
}
