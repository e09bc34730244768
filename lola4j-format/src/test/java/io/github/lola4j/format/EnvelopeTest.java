package io.github.lola4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The envelope's layout byte by byte, and every way a reader refuses one. */
class EnvelopeTest {

    private static final byte[] PAYLOAD = "seven payload bytes and then some".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static byte[] model() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Envelope.write(out, Envelope.Kind.MODEL, 2, 0x0123456789abcdefL, PAYLOAD);
        return out.toByteArray();
    }

    private static IOException refused(byte[] b) {
        return assertThrows(IOException.class, () -> Envelope.read(new ByteArrayInputStream(b), "op", Envelope.Kind.MODEL, 1 << 20));
    }

    @Test
    void layoutIsAsDocumented() throws IOException {
        byte[] b = model();
        assertEquals(Envelope.HEADER_BYTES + PAYLOAD.length + Envelope.TRAILER_BYTES, b.length);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[] {0x4c, 0x34, 0x4a, (byte) 0xcc}, Arrays.copyOf(b, 4));
        assertEquals(2, h.getShort(4));
        assertEquals(16, b[6]);
        assertEquals(0, b[7]);
        assertEquals(0x0123456789abcdefL, h.getLong(8));
        assertEquals(PAYLOAD.length, h.getLong(16));
        assertArrayEquals(PAYLOAD, Arrays.copyOfRange(b, 24, 24 + PAYLOAD.length));
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        assertEquals((int) crc.getValue(), h.getInt(b.length - 4));
    }

    @Test
    void roundTripReadsExactlyTheObject() throws IOException {
        byte[] one = model();
        byte[] two = Arrays.copyOf(one, 2 * one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        ByteArrayInputStream in = new ByteArrayInputStream(two);
        Envelope.Contents c = Envelope.read(in, "op", Envelope.Kind.MODEL, 1 << 20);
        assertEquals(2, c.version());
        assertEquals(0x0123456789abcdefL, c.fingerprint());
        assertArrayEquals(PAYLOAD, c.payload());
        assertEquals(one.length, in.available(), "nothing past the first object was read");
        assertArrayEquals(PAYLOAD, Envelope.read(in, "op", Envelope.Kind.MODEL, 1 << 20).payload());
    }

    @Test
    void everyDefectIsNamed() throws IOException {
        byte[] b = model();
        byte[] magic = b.clone();
        magic[3] = 'M';
        assertTrue(refused(magic).getMessage().startsWith("op: not a lola4j object: the magic bytes are 4c 34 4a 4d"));
        byte[] kind = b.clone();
        kind[6] = 32;
        assertTrue(refused(kind).getMessage().contains("the stream holds a plan, expected a model"), refused(kind).getMessage());
        kind[6] = (byte) 200;
        assertTrue(refused(kind).getMessage().contains("unknown object kind 200, expected a model (kind 16)"));
        byte[] reserved = b.clone();
        reserved[7] = 1;
        assertTrue(refused(reserved).getMessage().contains("reserved"));
        byte[] sum = b.clone();
        sum[30] ^= 1;
        assertTrue(refused(sum).getMessage().contains("checksum mismatch"));
        byte[] huge = b.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
        IOException e = assertThrows(IOException.class, () -> Envelope.read(new ByteArrayInputStream(huge), "op", Envelope.Kind.MODEL, 100));
        assertTrue(e.getMessage().contains("more than the 100 a model may have"), e.getMessage());
        for (int len = 0; len < b.length; len++) {
            IOException t = refused(Arrays.copyOf(b, len));
            assertTrue(t instanceof EOFException && t.getMessage().contains("truncated"), len + ": " + t.getMessage());
        }
    }

    @Test
    void versionsAreTheCallersToAccept() throws IOException {
        EnvelopeReader r = EnvelopeReader.begin(new ByteArrayInputStream(model()), "op", Envelope.Kind.MODEL);
        r.requireVersion(1, 2);
        IOException e = assertThrows(IOException.class, () -> r.requireVersion(3));
        assertEquals("op: format version 2 is not supported (this library reads version 3 of a model)", e.getMessage());
        e = assertThrows(IOException.class, () -> r.requireVersion(3, 4, 5));
        assertTrue(e.getMessage().contains("reads versions 3, 4 and 5 of a model"), e.getMessage());
    }

    @Test
    void aWriterRefusesToMisannounceItsPayload() throws IOException {
        EnvelopeWriter w = EnvelopeWriter.begin(new ByteArrayOutputStream(), Envelope.Kind.PLAN, 1, 0, 8);
        w.u32(1);
        assertThrows(IllegalStateException.class, w::finish);
        assertThrows(IllegalArgumentException.class, () -> EnvelopeWriter.begin(new ByteArrayOutputStream(), Envelope.Kind.PLAN, 70000, 0, 8));
    }

    @Test
    void theMagicIsLookedAtWithoutBeingConsumed() throws IOException {
        byte[] b = model();
        PushbackInputStream in = new PushbackInputStream(new ByteArrayInputStream(b), 4);
        assertTrue(Envelope.startsWithEnvelope(in));
        assertEquals(b.length, in.available());
        assertArrayEquals(PAYLOAD, Envelope.read(in, "op", Envelope.Kind.MODEL, 1 << 20).payload());
        PushbackInputStream old = new PushbackInputStream(new ByteArrayInputStream("L4JM...".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4);
        assertFalse(Envelope.startsWithEnvelope(old));
        assertEquals('L', old.read());
        assertFalse(Envelope.startsWithEnvelope(new PushbackInputStream(new ByteArrayInputStream(new byte[] {0x4c, 0x34}), 4)));
    }

    @Test
    void kindCodesAreFixed() {
        int[] codes = {1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 32, 33, 34, 35, 48};
        assertEquals(codes.length, Envelope.Kind.values().length);
        for (int i = 0; i < codes.length; i++) {
            assertEquals(codes[i], Envelope.Kind.values()[i].code());
            assertEquals(Envelope.Kind.values()[i], Envelope.Kind.of(codes[i]));
        }
        assertEquals("an evaluation key set", Envelope.Kind.EVALUATION_KEYS.withArticle());
    }

    @Test
    void theKindIsReadFromTheFirstBytes() throws IOException {
        assertEquals(Envelope.Kind.MODEL, Envelope.kindOf(Arrays.copyOf(model(), 8)));
        assertEquals(null, Envelope.kindOf(Arrays.copyOf(model(), 6)));
        assertEquals(null, Envelope.kindOf("L4JPLAN1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertTrue(Envelope.matchesMagic(new byte[] {0x4c, 0x34}), "a prefix of the magic matches as far as it goes");
        assertFalse(Envelope.matchesMagic("L4JM".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
