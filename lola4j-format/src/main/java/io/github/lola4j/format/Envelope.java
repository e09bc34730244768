package io.github.lola4j.format;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;

/**
 * The one binary envelope around every object lola4j writes: CKKS keys, ciphertexts and
 * parameters, models, training checkpoints, plans, client plans, encrypted tensors and the
 * client's key records. Little-endian:
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "L4J" 0xCC
 * 4       2     version of this kind's payload
 * 6       1     kind ({@link Kind#code()})
 * 7       1     reserved, 0
 * 8       8     fingerprint: the parameter set of a CKKS object, the plan of a plan, client plan,
 *               tensor or key record; 0 for a model or checkpoint
 * 16      8     payload length P
 * 24      P     payload
 * 24+P    4     CRC32C of bytes [0, 24 + P)
 * </pre>
 *
 * A reader checks magic, kind and reserved byte before it reads the payload, the payload length
 * against what the kind allows before it allocates, and the checksum before it trusts a byte.
 * Several objects can follow each other in one stream: a reader never reads past its object's
 * checksum. docs/file-formats.md describes each kind's payload.
 */
public final class Envelope {

    /** The four magic bytes: "L4J" and 0xCC (the fourth is not a letter, unlike every older lola4j format's). */
    static final byte[] MAGIC = {'L', '4', 'J', (byte) 0xCC};
    /** Header bytes before the payload. */
    public static final int HEADER_BYTES = 24;
    /** Trailer bytes after the payload (the CRC32C). */
    public static final int TRAILER_BYTES = 4;

    private Envelope() {
    }

    /** What an envelope holds: one byte in its header. Codes are fixed, never reused. */
    public enum Kind {
        /** A CKKS parameter set. */
        PARAMETERS(1, "parameter set"),
        /** A CKKS secret key. */
        SECRET_KEY(2, "secret key"),
        /** A CKKS public key. */
        PUBLIC_KEY(3, "public key"),
        /** A relinearization key. */
        RELINEARIZATION_KEY(4, "relinearization key"),
        /** A Galois (rotation or conjugation) key. */
        GALOIS_KEY(5, "Galois key"),
        /** A set of evaluation keys. */
        EVALUATION_KEYS(6, "evaluation key set"),
        /** A CKKS plaintext. */
        PLAINTEXT(7, "plaintext"),
        /** A CKKS ciphertext. */
        CIPHERTEXT(8, "ciphertext"),
        /** A trained network (lola4j-nn's model file). */
        MODEL(16, "model"),
        /** A trainer's checkpoint. */
        TRAINING_CHECKPOINT(17, "training checkpoint"),
        /** Feature vectors with their labels (lola4j-nn's cached features of a data set). */
        FEATURES(18, "feature set"),
        /** A compiled plan (server side: weights and kernels). */
        PLAN(32, "plan"),
        /** A client plan (no weights). */
        CLIENT_PLAN(33, "client plan"),
        /** The header of an encrypted tensor; its ciphertexts and stream digest follow it. */
        ENCRYPTED_TENSOR(34, "encrypted tensor"),
        /** A plan with its weights encoded; its plaintexts and stream digest follow it. */
        PREPARED_PLAN(35, "prepared plan"),
        /** A client's record of its secret key, key id and keys digest. */
        CLIENT_KEYS(48, "client key record");

        private final int code;
        private final String description;

        Kind(int code, String description) {
            this.code = code;
            this.description = description;
        }

        /** The header byte. */
        public int code() {
            return code;
        }

        /** What it is, in words ("ciphertext"). */
        public String description() {
            return description;
        }

        /** The description with its indefinite article ("a ciphertext", "an evaluation key set"). */
        public String withArticle() {
            return ("aeiou".indexOf(description.charAt(0)) >= 0 ? "an " : "a ") + description;
        }

        /** The kind of a code, or null if the code is unknown. */
        public static Kind of(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return null;
        }
    }

    /**
     * Writes one object whose payload is already in memory.
     *
     * @param out         the stream (flushed, not closed)
     * @param kind        the kind
     * @param version     the payload's version, in [0, 65535]
     * @param fingerprint the fingerprint (0 where the kind has none)
     * @param payload     the payload
     * @throws IOException if the stream fails
     */
    public static void write(OutputStream out, Kind kind, int version, long fingerprint, byte[] payload) throws IOException {
        EnvelopeWriter w = EnvelopeWriter.begin(out, kind, version, fingerprint, payload.length);
        w.bytes(payload, 0, payload.length);
        w.finish();
        out.flush();
    }

    /**
     * Whether a stream starts with an envelope, looking at its first four bytes and pushing them
     * back (nothing is consumed). Used by readers that still accept an older lola4j format, whose
     * magic starts with "L4J" and a letter.
     *
     * @param in the stream, with room to push back four bytes
     * @return true for the envelope's magic, false for anything else (including a stream shorter
     *         than four bytes, which the format's reader then reports as truncated)
     * @throws IOException if the stream fails
     */
    public static boolean startsWithEnvelope(PushbackInputStream in) throws IOException {
        byte[] b = new byte[MAGIC.length];
        int n = 0;
        while (n < b.length) {
            int r = in.read(b, n, b.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        in.unread(b, 0, n);
        return n == b.length && matchesMagic(b);
    }

    /**
     * Whether bytes agree with the envelope's magic as far as they go: four or more that start
     * with it, or fewer that are its beginning (a file cut inside its magic).
     *
     * @param head the first bytes of a file or stream
     * @return true when they match
     */
    public static boolean matchesMagic(byte[] head) {
        for (int i = 0; i < Math.min(head.length, MAGIC.length); i++) {
            if (head[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The kind of the envelope a file or stream starts with, from its first bytes, without checking
     * anything else (for telling a plan from a model before reading either).
     *
     * @param head the first bytes, at least 7 for an answer
     * @return the kind, or null when the bytes do not start an envelope of a known kind
     */
    public static Kind kindOf(byte[] head) {
        return head.length < 7 || !matchesMagic(head) ? null : Kind.of(head[6] & 0xFF);
    }

    /**
     * Reads one whole object into memory: header, payload of at most {@code maxPayload} bytes
     * (allocated as its bytes arrive, so a short stream that announces a large payload costs only
     * what it holds), checksum.
     *
     * @param in         the stream (nothing past the object is read)
     * @param op         what is being read, for messages ("model file x.model")
     * @param expected   the kind the caller asked for
     * @param maxPayload the largest payload accepted
     * @return the object
     * @throws IOException on a truncated stream, wrong magic, another kind, a non-zero reserved
     *                     byte, a payload longer than allowed, or a checksum mismatch
     */
    public static Contents read(InputStream in, String op, Kind expected, long maxPayload) throws IOException {
        EnvelopeReader r = EnvelopeReader.begin(in, op, expected);
        if (r.payloadLength() > maxPayload) {
            throw r.fail("the header announces " + r.payloadLength() + " payload bytes, more than the "
                    + maxPayload + " " + expected.withArticle() + " may have");
        }
        byte[] payload = r.rest("the payload");
        r.finish();
        return new Contents(r.version(), r.fingerprint(), payload);
    }

    /**
     * An object read whole.
     *
     * @param version     the payload's version (the caller checks it)
     * @param fingerprint the header's fingerprint
     * @param payload     the payload, checksum verified
     */
    public record Contents(int version, long fingerprint, byte[] payload) {
    }

    /**
     * Fills b from the stream, or fails saying where it ended.
     *
     * @param total the object's size in bytes when the header has given it, else -1
     */
    static void readFully(InputStream in, byte[] b, int off, int len, String op, long position, long total, String what)
            throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                throw new EOFException(op + ": truncated input: the stream ended after byte " + (position + done)
                        + (total < 0 ? "" : " of " + total) + " of the object, while reading " + what);
            }
            done += r;
        }
    }
}
