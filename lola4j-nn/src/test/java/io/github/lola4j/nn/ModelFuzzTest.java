package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.Mutator;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input for model files (issue 25): mutants of files of both versions {@link ModelFormat}
 * reads (1: one pixel scale, float32 and float64 weights; 2: per-channel normalization) are
 * refused with an IOException or read back as exactly the original. Forged mutants recompute the
 * payload length (when the size changed) and the CRC-32C, so the payload decoder is reached; they
 * may also read as the valid model they have become. Also: a training checkpoint whose strings
 * are not valid modified UTF-8 is an IOException.
 */
class ModelFuzzTest {

    private static final int DEFAULT_MUTANTS = 300;
    private static final int SLOW_MUTANTS = 1500;
    private static final Duration PER_MUTANT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A version-2 model: three input channels with their own scale and offset. */
    static Network perChannel() {
        Conv2d conv = (Conv2d) Conv2d.zeros(Conv2d.Geometry.square(3, 2, 3, 1, 0, 0, 0, 0))
                .withParameters(LayerGradientTest.random(3 * 2 * 9 + 2, 31));
        Dense dense = (Dense) Dense.zeros(2 * 6 * 6, 4).withParameters(LayerGradientTest.random(72 * 4 + 4, 32));
        InputNormalization norm = InputNormalization.affine(new double[] {1 / 63.0, 1 / 62.0, 1 / 66.0},
                new double[] {-1.9, -1.95, -1.7});
        ModelInfo info = new ModelInfo("per-channel", "cifar10", norm, 0.25, "lola4j train --cifar", 11);
        return Network.of(Shape.of(3, 8, 8), List.of(conv, Square.INSTANCE, Flatten.INSTANCE, dense), info).roundedToFloat();
    }

    /** The file with its payload length (when the size changed) and its CRC-32C recomputed (the envelope: little-endian). */
    static byte[] reseal(byte[] content, int originalContentLength) {
        if (content.length < ModelFormat.HEADER_BYTES) {
            return content;
        }
        byte[] out = Arrays.copyOf(content, content.length + 4);
        ByteBuffer b = ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (content.length != originalContentLength) {
            b.putLong(16, content.length - ModelFormat.HEADER_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 0, content.length);
        b.putInt(content.length, (int) crc.getValue());
        return out;
    }

    private static void fuzz(String family, Network net, int mutants, long seed) {
        ModelFormat.WeightEncoding enc = ModelFormat.WeightEncoding.lossless(net);
        byte[] file = ModelFormat.toBytes(net, enc);
        byte[] content = Arrays.copyOf(file, file.length - 4);
        // The metadata, the input shape and the first layer's geometry are in the first ~200 bytes.
        int raw = mutants / 5;
        int forged = mutants - raw;
        new Mutator.Campaign<>(family, file, b -> ModelFormat.fromBytes(b, "mutant"),
                n -> ModelFormat.toBytes(n, ModelFormat.WeightEncoding.lossless(n)), PER_MUTANT)
                .raw(raw, seed, 0, 200)
                .forged(content, c -> reseal(c, content.length), forged / 2, seed + 1_000_000, 0, 200)
                .forged(content, c -> reseal(c, content.length), forged - forged / 2, seed + 2_000_000, 0, content.length)
                .finish();
    }

    private static void all(int mutants, long seed) {
        Network every = ModelFormatTest.everyLayer();
        fuzz("model v1 (float64)", every, mutants, seed);
        fuzz("model v1 (float32)", every.roundedToFloat(), mutants, seed + 10_000_000);
        fuzz("model v2 (per-channel)", perChannel(), mutants, seed + 20_000_000);
    }

    @Test
    void modelFilesOfEveryVersionAreRefusedOrReadExactly() {
        assertEquals(ModelFormat.VERSION_PIXEL_SCALE, ModelFormat.toBytes(ModelFormatTest.everyLayer(),
                ModelFormat.WeightEncoding.FLOAT64)[4]);
        assertEquals(ModelFormat.VERSION, ModelFormat.toBytes(perChannel(), ModelFormat.WeightEncoding.FLOAT32)[4]);
        all(Mutator.mutants(DEFAULT_MUTANTS), Mutator.seed(1));
    }

    @Test
    @Tag("slow")
    void manyMutantsOfEveryVersion() {
        all(Math.max(SLOW_MUTANTS, Mutator.mutants(SLOW_MUTANTS)), Mutator.seed(100_000_000L));
    }

    @Test
    void malformedUtf8InAModelIsRefused() {
        byte[] file = ModelFormat.toBytes(ModelFormatTest.everyLayer(), ModelFormat.WeightEncoding.FLOAT64);
        byte[] content = Arrays.copyOf(file, file.length - 4);
        content[ModelFormat.HEADER_BYTES + 2] = (byte) 0xC0; // the name's first byte: an overlong lead byte
        IOException e = assertThrows(IOException.class, () -> ModelFormat.fromBytes(reseal(content, content.length), "m"));
        assertTrue(e.getMessage().contains("name is not valid UTF-8"), e.getMessage());
    }

    @Test
    void onlyTheCanonicalNanStandsForAnUnknownAccuracy() throws IOException {
        // Found by the fuzzer (seed 101000270): another NaN read as the same metadata, so the
        // model read was neither the file's nor the original.
        Network net = ModelFormatTest.everyLayer();
        Network unknown = Network.of(net.inputShape(), net.layers(), new ModelInfo("every-layer", "mnist", 1.0 / 255,
                Double.NaN, "train", 1));
        byte[] file = ModelFormat.toBytes(unknown, ModelFormat.WeightEncoding.FLOAT64);
        assertTrue(Double.isNaN(ModelFormat.fromBytes(file, "m").info().testAccuracy()));
        byte[] content = Arrays.copyOf(file, file.length - 4);
        int at = ModelFormat.HEADER_BYTES + 2 + 11 + 2 + 5 + 8; // after the name, the dataset and the pixel scale
        assertEquals(Double.doubleToLongBits(Double.NaN), ByteBuffer.wrap(content).getLong(at));
        ByteBuffer.wrap(content).putLong(at, 0x7ff0_0000_0000_0001L);
        IOException e = assertThrows(IOException.class, () -> ModelFormat.fromBytes(reseal(content, content.length), "m"));
        assertTrue(e.getMessage().contains("expected the canonical NaN"), e.getMessage());
    }

    @Test
    void checkpointWithMalformedStringIsAnIOException() throws IOException {
        // magic | body length u64 | body | CRC-32C: the body's first string is 0xC0 0x20, which
        // modified UTF-8 does not allow (a two-byte lead without its continuation).
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(buf);
        d.write("L4JCKPT1".getBytes(StandardCharsets.US_ASCII));
        d.writeLong(4 + 64);
        d.writeShort(2);
        d.write(new byte[] {(byte) 0xC0, 0x20});
        d.write(new byte[64]);
        CRC32C crc = new CRC32C();
        crc.update(buf.toByteArray());
        d.writeInt((int) crc.getValue());
        Path f = tmp.resolve("bad.ckpt");
        Files.write(f, buf.toByteArray());
        IOException e = assertThrows(IOException.class, () -> TrainingCheckpoint.read(f));
        assertTrue(e.getMessage().contains("options fingerprint is not valid modified UTF-8"), e.getMessage());
    }
}
