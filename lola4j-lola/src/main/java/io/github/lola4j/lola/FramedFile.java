package io.github.lola4j.lola;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The envelope the lola file formats share (big-endian):
 * {@code magic (8 bytes) | version u16 | body length u32 | body | CRC32C of magic..body u32}.
 * Reading checks all four before the body is parsed, so a parser only ever sees intact bytes, and
 * allocates only as the body's bytes arrive.
 */
final class FramedFile {

    private FramedFile() {
    }

    static void write(OutputStream out, byte[] magic, int version, byte[] body) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream(body.length + magic.length + 10);
        DataOutputStream o = new DataOutputStream(all);
        o.write(magic);
        o.writeShort(version);
        o.writeInt(body.length);
        o.write(body);
        o.flush();
        CRC32C crc = new CRC32C();
        crc.update(all.toByteArray());
        o.writeInt((int) crc.getValue());
        o.flush();
        all.writeTo(out);
        out.flush();
    }

    /**
     * Reads and checks an envelope.
     *
     * @param what the format's name for messages, e.g. "plan file"
     * @return the body
     */
    static byte[] read(InputStream in, byte[] magic, int version, int maxBody, String what) throws IOException {
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
