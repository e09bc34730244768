package io.github.lola4j.lola;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32C;

/**
 * The framing the lola files had before the envelope (big-endian magic, version u16, body length
 * u32, body, CRC32C u32), written here from a body so that tests can check files of earlier
 * releases still read. Kept apart from the main code on purpose: the library only reads it.
 */
final class LegacyFraming {

    private LegacyFraming() {
    }

    static byte[] frame(byte[] magic, int version, byte[] body) {
        try {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
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
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
