package io.github.lola4j.lola;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The lola files (plans and client plans) in lola4j's one {@link Envelope}, and the reading of the
 * framing they had before it (big-endian: {@code magic (8 bytes) | version u16 | body length u32 |
 * body | CRC32C of magic..body u32}), so that files written by earlier releases still open. Either
 * way, magic, kind, version, length and checksum are checked before the body is parsed, so a
 * parser only ever sees intact bytes, and memory follows the bytes that arrive.
 */
final class FramedFile {

    private FramedFile() {
    }

    /**
     * A body read back.
     *
     * @param bytes       the body
     * @param enveloped   false for a file in the framing before the envelope
     * @param fingerprint the envelope's fingerprint (0 for the older framing, which had none)
     */
    record Body(byte[] bytes, boolean enveloped, long fingerprint, int version) {
    }

    static void write(OutputStream out, Envelope.Kind kind, int version, long fingerprint, byte[] body) throws IOException {
        Envelope.write(out, kind, version, fingerprint, body);
    }

    /**
     * Reads and checks a file in the envelope or in the older framing.
     *
     * @param kind        the envelope's kind
     * @param legacyMagic the eight magic bytes of the older framing
     * @param version     the body version read (the same in both framings)
     * @param maxBody     the largest body accepted
     * @param what        the format's name for messages, e.g. "plan file"
     * @return the body
     */
    static Body read(InputStream in, Envelope.Kind kind, byte[] legacyMagic, int version, int maxBody, String what)
            throws IOException {
        return read(in, kind, legacyMagic, version, version, maxBody, what);
    }

    /**
     * Reads and checks a file in the envelope (of a body version from {@code oldest} to
     * {@code newest}) or in the older framing (version {@code oldest} only: it predates the others).
     */
    static Body read(InputStream in, Envelope.Kind kind, byte[] legacyMagic, int oldest, int newest, int maxBody, String what)
            throws IOException {
        PushbackInputStream s = new PushbackInputStream(in, 4);
        if (Envelope.startsWithEnvelope(s)) {
            EnvelopeReader r = EnvelopeReader.begin(s, what, kind);
            int[] versions = new int[newest - oldest + 1];
            for (int v = oldest; v <= newest; v++) {
                versions[v - oldest] = v;
            }
            r.requireVersion(versions);
            if (r.payloadLength() > maxBody) {
                throw r.fail("body length " + r.payloadLength() + " is outside [0, " + maxBody + "]");
            }
            byte[] body = r.rest("the body");
            r.finish();
            return new Body(body, true, r.fingerprint(), r.version());
        }
        return new Body(readLegacy(s, legacyMagic, oldest, maxBody, what), false, 0, oldest);
    }

    private static byte[] readLegacy(InputStream in, byte[] magic, int version, int maxBody, String what) throws IOException {
        DataInputStream s = new DataInputStream(in);
        byte[] m = new byte[magic.length];
        readFully(s, m, what, "the magic");
        if (!Arrays.equals(m, magic)) {
            throw new IOException("not a lola4j " + what + " (bad magic)");
        }
        byte[] v = new byte[2];
        readFully(s, v, what, "the version");
        int ver = (v[0] & 0xFF) << 8 | (v[1] & 0xFF);
        if (ver != version) {
            throw new IOException(what + " version " + ver + " is not supported (this library reads version " + version + ")");
        }
        byte[] l = new byte[4];
        readFully(s, l, what, "the body length");
        int len = (l[0] & 0xFF) << 24 | (l[1] & 0xFF) << 16 | (l[2] & 0xFF) << 8 | (l[3] & 0xFF);
        if (len < 0 || len > maxBody) {
            throw new IOException(what + " body length " + Integer.toUnsignedString(len) + " is outside [0, " + maxBody + "]");
        }
        // Read, not allocated up front: a short file that announces a large body fails after
        // allocating what it holds, not maxBody.
        byte[] body = s.readNBytes(len);
        if (body.length < len) {
            throw new EOFException(what + " truncated: it ends in the body (" + body.length + " of " + len + " bytes)");
        }
        byte[] c = new byte[4];
        readFully(s, c, what, "the checksum");
        int stored = (c[0] & 0xFF) << 24 | (c[1] & 0xFF) << 16 | (c[2] & 0xFF) << 8 | (c[3] & 0xFF);
        CRC32C crc = new CRC32C();
        crc.update(m);
        crc.update(v);
        crc.update(l);
        crc.update(body);
        if ((int) crc.getValue() != stored) {
            throw new IOException(what + " checksum mismatch: the file is corrupted");
        }
        return body;
    }

    private static void readFully(DataInputStream s, byte[] b, String what, String part) throws IOException {
        try {
            s.readFully(b);
        } catch (EOFException e) {
            throw new EOFException(what + " truncated: it ends in " + part);
        }
    }
}
