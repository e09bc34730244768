package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFormatTest {

    @TempDir
    Path tmp;

    /** A network using every layer type, with random double weights. */
    static Network everyLayer() {
        Conv2d conv = (Conv2d) Conv2d.zeros(Conv2d.Geometry.square(1, 3, 5, 2, 0, 1, 0, 1))
                .withParameters(LayerGradientTest.random(78, 21));
        Conv2d conv2 = (Conv2d) Conv2d.zeros(new Conv2d.Geometry(3, 2, 3, 2, 1, 2, 1, 0, 1, 1))
                .withParameters(LayerGradientTest.random(38, 22));
        Dense dense = (Dense) Dense.zeros(40, 10).withParameters(LayerGradientTest.random(410, 23));
        // a sparse affine map 10 -> 2x3: row o reads inputs o and o + 4
        Affine affine = Affine.of(10, Shape.of(2, 3), new int[] {0, 2, 4, 6, 8, 10, 12}, new int[] {0, 4, 1, 5, 2, 6, 3, 7, 4, 8,
            5, 9}, LayerGradientTest.random(12, 24), LayerGradientTest.random(6, 25));
        List<Layer> layers = List.of(conv, Square.INSTANCE, AvgPool.of(2, 2, 2, 2), conv2,
                PolyActivation.of(0.125, 0.5, -1.0 / 3), Flatten.INSTANCE, dense, affine);
        ModelInfo info = new ModelInfo("every-layer", "mnist", 1.0 / 255, 0.5, "lola4j train --x \"quoted\" é", -7);
        return Network.of(Shape.of(1, 28, 28), layers, info);
    }

    private static void assertSameNetwork(Network a, Network b) {
        assertEquals(a.info(), b.info());
        assertEquals(a.inputShape(), b.inputShape());
        assertEquals(a.layers().size(), b.layers().size());
        for (int i = 0; i < a.layers().size(); i++) {
            Layer la = a.layers().get(i);
            Layer lb = b.layers().get(i);
            assertEquals(la.getClass(), lb.getClass());
            assertEquals(la.toString(), lb.toString());
            assertArrayEquals(la.parameters(), lb.parameters(), "layer " + i);
        }
    }

    @Test
    void roundTripIsExact() throws IOException {
        Network net = everyLayer();
        assertEquals(ModelFormat.WeightEncoding.FLOAT64, ModelFormat.WeightEncoding.lossless(net));
        Path f = tmp.resolve("m.model");
        net.save(f);
        Network back = Network.load(f);
        assertSameNetwork(net, back);
        assertArrayEquals(Files.readAllBytes(f), ModelFormat.toBytes(back, ModelFormat.WeightEncoding.FLOAT64));
        double[] x = LayerGradientTest.random(784, 3);
        assertArrayEquals(net.forward(x), back.forward(x));
    }

    @Test
    void float32RoundTripIsExactForFloatWeightsAndHalfTheSize() throws IOException {
        Network net = everyLayer().roundedToFloat();
        assertEquals(ModelFormat.WeightEncoding.FLOAT32, ModelFormat.WeightEncoding.lossless(net));
        byte[] b32 = ModelFormat.toBytes(net, ModelFormat.WeightEncoding.FLOAT32);
        byte[] b64 = ModelFormat.toBytes(net, ModelFormat.WeightEncoding.FLOAT64);
        assertSameNetwork(net, ModelFormat.fromBytes(b32, "m32"));
        assertSameNetwork(net, ModelFormat.fromBytes(b64, "m64"));
        assertEquals(net.parameterCount() * 4, b64.length - b32.length);
        // Float32 encoding of double weights rounds them: same as roundedToFloat().
        assertSameNetwork(net, ModelFormat.fromBytes(ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32), "r"));
    }

    @Test
    void headerLayoutIsAsDocumented() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT64);
        assertArrayEquals(new byte[] {'L', '4', 'J', (byte) 0xCC}, Arrays.copyOf(b, 4));
        ByteBuffer buf = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, buf.getShort(4), "payload version");
        assertEquals(16, b[6], "kind: model");
        assertEquals(0, b[7], "reserved");
        assertEquals(0, buf.getLong(8), "fingerprint: none for a model");
        assertEquals(b.length - 28, buf.getLong(16), "payload length");
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        assertEquals((int) crc.getValue(), buf.getInt(b.length - 4));
    }

    // ---- malformed files ----

    private static String failure(byte[] bytes) {
        return assertThrows(IOException.class, () -> ModelFormat.fromBytes(bytes, "bad.model")).getMessage();
    }

    /** Recomputes the CRC so that a deliberately inconsistent payload reaches the decoder. */
    private static byte[] withValidCrc(byte[] b) {
        byte[] c = b.clone();
        CRC32C crc = new CRC32C();
        crc.update(c, 0, c.length - 4);
        // the envelope's CRC is little-endian, the older framing's big-endian
        ByteBuffer.wrap(c).order(c[3] == (byte) 0xCC ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN)
                .putInt(c.length - 4, (int) crc.getValue());
        return c;
    }

    /** A file written field by field, independently of ModelFormat, with a correct header and CRC. */
    private static byte[] handWritten(PayloadWriter payload) throws IOException {
        ByteArrayOutputStream pb = new ByteArrayOutputStream();
        DataOutputStream p = new DataOutputStream(pb);
        payload.write(p);
        p.flush();
        ByteArrayOutputStream fb = new ByteArrayOutputStream();
        DataOutputStream f = new DataOutputStream(fb);
        f.writeBytes("L4JM");
        f.writeShort(1);
        f.writeInt(pb.size());
        f.write(pb.toByteArray());
        f.flush();
        CRC32C crc = new CRC32C();
        crc.update(fb.toByteArray());
        f.writeInt((int) crc.getValue());
        return fb.toByteArray();
    }

    private interface PayloadWriter {
        void write(DataOutputStream p) throws IOException;
    }

    private static void metadata(DataOutputStream p, double pixelScale) throws IOException {
        for (String s : new String[] {"hand", "mnist"}) {
            p.writeShort(s.length());
            p.writeBytes(s);
        }
        p.writeDouble(pixelScale);
        p.writeDouble(Double.NaN);
        p.writeShort(0);
        p.writeLong(0);
    }

    /** conv 1->5 5x5/2 (bottom/right pad) -> square -> flatten -> dense IN->10, float32. */
    private static byte[] convDense(int denseIn, float badWeight) throws IOException {
        return handWritten(p -> {
            metadata(p, 1.0 / 256);
            p.writeByte(1); // float32
            p.writeByte(3);
            p.writeInt(1);
            p.writeInt(28);
            p.writeInt(28);
            p.writeShort(4);
            p.writeByte(1); // conv2d
            for (int v : new int[] {1, 5, 5, 5, 2, 2, 0, 1, 0, 1}) {
                p.writeInt(v);
            }
            for (int k = 0; k < 125 + 5; k++) {
                p.writeFloat(k == 37 ? badWeight : 0.01f);
            }
            p.writeByte(3); // square
            p.writeByte(6); // flatten
            p.writeByte(2); // dense
            p.writeInt(denseIn);
            p.writeInt(10);
            for (int k = 0; k < denseIn * 10 + 10; k++) {
                p.writeFloat(0.02f);
            }
        });
    }

    @Test
    void handWrittenFileLoads() throws IOException {
        Network net = ModelFormat.fromBytes(convDense(845, 0.5f), "hand");
        assertEquals(Shape.of(10), net.outputShape());
        assertEquals(0.5, ((Conv2d) net.layers().get(0)).weight(1, 0, 2, 2));
        assertEquals(1.0 / 256, net.info().normalization().scale(0));
    }

    @Test
    void badMagicIsRefused() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        b[0] = 'X';
        assertTrue(failure(b).contains("bad.model: not a lola4j model file (bad magic 0x58344acc"), failure(b));
        assertTrue(failure("PK\3\4 this is a zip".getBytes(StandardCharsets.US_ASCII)).contains("not a lola4j model file"));
    }

    @Test
    void unsupportedVersionIsRefused() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        b[4] = 7; // the envelope's version, u16 little-endian
        assertTrue(failure(b).contains("unsupported model format version 7 (this lola4j reads versions 1 and 2)"),
                failure(b));
    }

    @Test
    void truncatedFilesAreRefused() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        for (int len : new int[] {0, 2, 9, 13, b.length / 2, b.length - 1}) {
            String m = failure(Arrays.copyOf(b, len));
            assertTrue(m.contains("truncated"), len + ": " + m);
        }
        String m = failure(Arrays.copyOf(b, b.length - 1));
        assertTrue(m.contains("declares " + (b.length - 28) + " payload bytes") && m.contains("has " + (b.length - 1)), m);
    }

    /**
     * A model file written by an earlier release (before the envelope: big-endian "L4JM" framing),
     * kept in the test resources, reads; written again it is in the envelope and reads to the same
     * network.
     */
    @Test
    void aModelFileOfAnEarlierReleaseStillReads() throws IOException {
        byte[] old;
        try (java.io.InputStream in = getClass().getResourceAsStream("legacy-fixture.model")) {
            old = in.readAllBytes();
        }
        assertEquals('M', old[3], "the fixture is in the framing before the envelope");
        Network net = ModelFormat.fromBytes(old, "legacy-fixture.model");
        assertEquals("legacy-fixture", net.info().name());
        assertEquals(Shape.of(4), net.outputShape());
        byte[] now = ModelFormat.toBytes(net, ModelFormat.WeightEncoding.FLOAT32);
        assertEquals((byte) 0xCC, now[3]);
        Network again = ModelFormat.fromBytes(now, "now");
        double[] x = new double[32];
        java.util.Arrays.fill(x, 0.5);
        assertArrayEquals(net.forward(x), again.forward(x), 0.0);
        // the bytes a plan's fingerprint hashes are the earlier framing, byte for byte
        assertArrayEquals(old, ModelFormat.fingerprintBytes(net, ModelFormat.WeightEncoding.FLOAT32));
        byte[] bad = old.clone();
        bad[old.length / 2] ^= 4;
        assertTrue(failure(bad).contains("checksum mismatch"), failure(bad));
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        assertTrue(failure(Arrays.copyOf(b, b.length + 3)).contains("3 unexpected bytes after the checksum"));
    }

    @Test
    void flippedBitFailsTheChecksum() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        b[b.length / 2] ^= 0x10;
        String m = failure(b);
        assertTrue(m.contains("checksum mismatch") && m.contains("corrupt"), m);
    }

    @Test
    void wrongShapesAreRefused() throws IOException {
        String m = failure(convDense(800, 0.5f));
        assertTrue(m.contains("wrong shapes") && m.contains("layer 3 (dense)") && m.contains("800 inputs")
                && m.contains("845"), m);
    }

    @Test
    void nanAndInfiniteWeightsAreRefused() throws IOException {
        String m = failure(convDense(845, Float.NaN));
        assertTrue(m.contains("layer 0: conv2d: weight[1][0][2][2] is NaN"), m);
        m = failure(convDense(845, Float.POSITIVE_INFINITY));
        assertTrue(m.contains("is Infinity"), m);
    }

    @Test
    void unknownLayerTypeIsRefused() throws IOException {
        byte[] b = handWritten(p -> {
            metadata(p, 1);
            p.writeByte(2);
            p.writeByte(1);
            p.writeInt(4);
            p.writeShort(1);
            p.writeByte(42);
        });
        assertTrue(failure(b).contains("layer 0: unknown layer type 42"), failure(b));
    }

    @Test
    void badGeometryIsRefused() throws IOException {
        byte[] b = handWritten(p -> {
            metadata(p, 1);
            p.writeByte(2);
            p.writeByte(3);
            p.writeInt(1);
            p.writeInt(28);
            p.writeInt(28);
            p.writeShort(1);
            p.writeByte(1);
            for (int v : new int[] {1, 5, 5, 5, 0, 2, 0, 1, 0, 1}) {
                p.writeInt(v);
            }
        });
        assertTrue(failure(b).contains("layer 0: Conv2d: strideRows = 0, expected > 0"), failure(b));
    }

    @Test
    void payloadEndingInsideALayerIsRefused() throws IOException {
        byte[] b = handWritten(p -> {
            metadata(p, 1);
            p.writeByte(2);
            p.writeByte(1);
            p.writeInt(4);
            p.writeShort(1);
            p.writeByte(2); // dense 4->2 needs 10 doubles, give 3
            p.writeInt(4);
            p.writeInt(2);
            p.writeDouble(1);
            p.writeDouble(2);
            p.writeDouble(3);
        });
        assertTrue(failure(b).contains("the payload ends inside layer 0 (dense)"), failure(b));
    }

    @Test
    void badMetadataIsRefused() throws IOException {
        byte[] b = handWritten(p -> {
            metadata(p, -1);
            p.writeByte(2);
        });
        assertTrue(failure(b).contains("bad metadata: input normalization: scale of channel 0 must be finite and positive,"
                + " got -1.0"), failure(b));
        byte[] enc = handWritten(p -> {
            metadata(p, 1);
            p.writeByte(7);
        });
        assertTrue(failure(enc).contains("unknown weight encoding 7"), failure(enc));
    }

    @Test
    void leftoverPayloadIsRefused() throws IOException {
        byte[] b = handWritten(p -> {
            metadata(p, 1);
            p.writeByte(2);
            p.writeByte(1);
            p.writeInt(4);
            p.writeShort(1);
            p.writeByte(3); // square
            p.writeInt(0xdeadbeef);
        });
        assertTrue(failure(b).contains("4 payload bytes left after the last layer"), failure(b));
    }

    @Test
    void corruptStringIsRefused() {
        byte[] b = ModelFormat.toBytes(everyLayer(), ModelFormat.WeightEncoding.FLOAT32);
        b[HEADER + 2] = (byte) 0xff; // first byte of the name
        assertTrue(failure(withValidCrc(b)).contains("the name is not valid UTF-8"), failure(withValidCrc(b)));
    }

    private static final int HEADER = ModelFormat.HEADER_BYTES;

    @Test
    void unreadableFileIsNamed() {
        Path missing = tmp.resolve("none.model");
        IOException e = assertThrows(IOException.class, () -> Network.load(missing));
        assertTrue(e.getMessage().contains("none.model"), e.getMessage());
    }
}
