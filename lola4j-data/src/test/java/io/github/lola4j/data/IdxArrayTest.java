package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxArrayTest {

    @TempDir
    Path tmp;

    /** A 3x2x2 array of unsigned bytes 0..11, as raw IDX bytes. */
    private static byte[] small() {
        byte[] data = new byte[12];
        for (int i = 0; i < 12; i++) {
            data[i] = (byte) (i * 20);
        }
        return IdxArray.of(new int[] {3, 2, 2}, data).toBytes();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(buf)) {
            gz.write(raw);
        }
        return buf.toByteArray();
    }

    private static String failure(byte[] bytes) {
        return assertThrows(IOException.class, () -> IdxArray.parse(bytes, "f.idx")).getMessage();
    }

    @Test
    void parsesHeaderAndData() throws IOException {
        byte[] raw = small();
        assertEquals(4 + 12 + 12, raw.length);
        assertArrayEquals(new byte[] {0, 0, 8, 3, 0, 0, 0, 3}, Arrays.copyOf(raw, 8));
        IdxArray a = IdxArray.parse(raw, "f");
        assertArrayEquals(new int[] {3, 2, 2}, a.dims());
        assertEquals(12, a.size());
        assertEquals(220, a.get(11)); // unsigned, not -36
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws IOException {
        IdxArray plain = IdxArray.parse(small(), "a");
        IdxArray gz = IdxArray.parse(gzip(small()), "a.idx");
        assertArrayEquals(plain.data(), gz.data());
        assertArrayEquals(plain.dims(), gz.dims());
    }

    @Test
    void writeReadRoundTripBothForms() throws IOException {
        IdxArray a = IdxArray.parse(small(), "a");
        for (String name : new String[] {"x-idx3-ubyte", "x-idx3-ubyte.gz"}) {
            Path f = tmp.resolve(name);
            a.write(f);
            IdxArray b = IdxArray.read(f);
            assertArrayEquals(a.dims(), b.dims());
            assertArrayEquals(a.data(), b.data());
        }
        byte[] gz = Files.readAllBytes(tmp.resolve("x-idx3-ubyte.gz"));
        assertEquals(0x1f, gz[0] & 0xff);
        // Deterministic output: writing again gives the same bytes.
        a.write(tmp.resolve("y.gz"));
        assertArrayEquals(gz, Files.readAllBytes(tmp.resolve("y.gz")));
    }

    @Test
    void truncatedDataIsRefused() {
        byte[] raw = small();
        String m = failure(Arrays.copyOf(raw, raw.length - 1));
        assertTrue(m.contains("f.idx") && m.contains("truncated") && m.contains("3x2x2") && m.contains("11"), m);
    }

    @Test
    void truncatedHeaderIsRefused() {
        String m = failure(Arrays.copyOf(small(), 9));
        assertTrue(m.contains("truncated IDX header"), m);
        assertTrue(failure(new byte[] {0, 0}).contains("truncated"));
        assertTrue(failure(new byte[0]).contains("truncated"));
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] raw = small();
        String m = failure(Arrays.copyOf(raw, raw.length + 5));
        assertTrue(m.contains("5 trailing bytes"), m);
    }

    @Test
    void badMagicTypeAndRankAreRefused() {
        byte[] raw = small();
        raw[0] = 1;
        assertTrue(failure(raw).contains("not an IDX file"));
        raw = small();
        raw[2] = 0x0D; // float
        assertTrue(failure(raw).contains("unsupported IDX element type 0x0d"));
        raw = small();
        raw[3] = 0;
        assertTrue(failure(raw).contains("declares 0 dimensions"));
    }

    @Test
    void zeroOrHugeDimensionIsRefused() {
        byte[] raw = small();
        raw[7] = 0; // first size 3 -> 0
        assertTrue(failure(raw).contains("dimension 0 has size 0"));
        raw = small();
        raw[4] = (byte) 0x7f; // first size ~2^31
        raw[8] = (byte) 0x7f;
        String m = failure(raw);
        assertTrue(m.contains("more than"), m);
    }

    @Test
    void truncatedGzipIsRefused() throws IOException {
        byte[] gz = gzip(small());
        String m = failure(Arrays.copyOf(gz, gz.length - 6));
        assertTrue(m.contains("truncated gzip") || m.contains("corrupt gzip"), m);
    }

    @Test
    void corruptGzipIsRefused() throws IOException {
        byte[] gz = gzip(small());
        gz[gz.length - 5] ^= 0x55; // inside the CRC-32 trailer
        String m = failure(gz);
        assertTrue(m.contains("corrupt gzip"), m);
    }

    @Test
    void realTestLabelsHaveTheKnownHistogram() throws IOException {
        IdxArray labels = IdxArray.read(TestData.MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        assertArrayEquals(new int[] {10000}, labels.dims());
        int[] hist = new int[10];
        for (int i = 0; i < labels.size(); i++) {
            hist[labels.get(i)]++;
        }
        assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, hist);
    }

    @Test
    void truncatedRealFileIsRefused() throws IOException {
        byte[] gz = Files.readAllBytes(TestData.MNIST.resolve("t10k-images-idx3-ubyte.gz"));
        Path cut = tmp.resolve("t10k-images-idx3-ubyte.gz");
        Files.write(cut, Arrays.copyOf(gz, gz.length / 2));
        IOException e = assertThrows(IOException.class, () -> IdxArray.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void headTakesTheFirstEntries() throws IOException {
        IdxArray a = IdxArray.parse(small(), "a").head(2);
        assertArrayEquals(new int[] {2, 2, 2}, a.dims());
        assertEquals(140, a.get(7));
        assertThrows(IllegalArgumentException.class, () -> a.head(3));
    }
}
