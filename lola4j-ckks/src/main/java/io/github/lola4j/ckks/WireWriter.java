package io.github.lola4j.ckks;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeWriter;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one CKKS object in the lola4j {@link Envelope}: little-endian fields and bit-packed
 * polynomials through an {@link EnvelopeWriter}, which computes the CRC32C and checks the
 * announced payload length (from {@link WireFormat}'s size functions). Not thread-safe; one
 * instance per object.
 */
final class WireWriter {

    private final EnvelopeWriter env;
    private byte[] limbBuffer = new byte[0];

    private WireWriter(EnvelopeWriter env) {
        this.env = env;
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
    static WireWriter begin(OutputStream out, Envelope.Kind kind, long fingerprint, long payloadLength) throws IOException {
        return new WireWriter(EnvelopeWriter.begin(out, kind, WireFormat.VERSION, fingerprint, payloadLength));
    }

    void u8(int v) throws IOException {
        env.u8(v);
    }

    void u16(int v) throws IOException {
        env.u16(v);
    }

    void u32(int v) throws IOException {
        env.u32(v);
    }

    void u64(long v) throws IOException {
        env.u64(v);
    }

    void f64(double v) throws IOException {
        env.f64(v);
    }

    void bytes(byte[] b, int off, int len) throws IOException {
        env.bytes(b, off, len);
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
            env.bytes(limbBuffer, 0, len);
        }
    }

    /** Writes the checksum and checks the stated payload length was met. */
    void finish() throws IOException {
        env.finish();
    }
}
