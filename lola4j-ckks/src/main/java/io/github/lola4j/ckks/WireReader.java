package io.github.lola4j.ckks;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one CKKS object from a stream into temporaries, through an {@link EnvelopeReader} (the
 * header checks, little-endian fields, the CRC32C, never a byte past the object): the format
 * version and the parameter fingerprint are checked here, and bit-packed polynomials are read
 * with every residue checked against its prime.
 *
 * <p>Every failure is an {@link IOException} whose message starts with the public operation
 * ("readCiphertext: ..."); a stream that ends early gives an {@link java.io.EOFException} saying
 * where. Not thread-safe; one instance per object.
 */
final class WireReader {

    private final EnvelopeReader env;
    private byte[] limbBuffer = new byte[0];

    private WireReader(EnvelopeReader env) {
        this.env = env;
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
    static WireReader begin(InputStream in, String op, Envelope.Kind expected, CkksParameters params) throws IOException {
        EnvelopeReader env = EnvelopeReader.begin(in, op, expected);
        env.requireVersion(WireFormat.VERSION);
        if (params != null && env.fingerprint() != params.fingerprint()) {
            throw env.fail(String.format("the %s belongs to parameter set %016x, expected %016x (the parameters passed)",
                    expected.description(), env.fingerprint(), params.fingerprint()));
        }
        return new WireReader(env);
    }

    /** The fingerprint the header carries. */
    long fingerprint() {
        return env.fingerprint();
    }

    /**
     * Checks the payload length the header announces against the one the object's fields and the
     * parameter set imply (called before any polynomial is allocated).
     *
     * @param expected the implied length
     * @param what     what was implied, for the message
     */
    void expectPayload(long expected, String what) throws IOException {
        env.expectPayload(expected, what);
    }

    /** The payload bytes the header announces that have not been read yet. */
    long payloadLeft() {
        return env.payloadLeft();
    }

    /** A failure naming the operation. */
    IOException fail(String message) {
        return env.fail(message);
    }

    /** A failure naming the operation, with a cause. */
    IOException fail(String message, Throwable cause) {
        return env.fail(message, cause);
    }

    int u8(String what) throws IOException {
        return env.u8(what);
    }

    int u16(String what) throws IOException {
        return env.u16(what);
    }

    /** An unsigned 32-bit field, as a long. */
    long u32(String what) throws IOException {
        return env.u32(what);
    }

    long u64(String what) throws IOException {
        return env.u64(what);
    }

    double f64(String what) throws IOException {
        return env.f64(what);
    }

    /** A 32-byte seed. */
    byte[] seed(String what) throws IOException {
        return env.bytes(WireFormat.SEED_BYTES, what);
    }

    /** Raw bytes of a length the caller has bounded. */
    byte[] bytes(int len, String what) throws IOException {
        return env.bytes(len, what);
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
            env.fill(limbBuffer, 0, len, "limb " + i + " of " + what);
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
        env.finish();
    }
}
