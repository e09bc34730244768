package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every representation is an exact map from tensor index to (ciphertext, slot): pack and unpack invert each other. */
class RepresentationTest {

    private static void roundTrip(Representation r) {
        double[] v = LolaTestSupport.random(new SplittableRandom(r.size()), r.size(), -5, 5);
        double[][] s = r.pack(v);
        assertEquals(r.ciphertexts(), s.length);
        for (double[] row : s) {
            assertEquals(r.slots(), row.length);
        }
        assertArrayEquals(v, r.unpack(s), 0.0, r.describe());
        // Every copy holds its element, no two elements share a slot, the rest is zero.
        Set<Long> used = new HashSet<>();
        for (int i = 0; i < r.size(); i++) {
            for (int k = 0; k < r.copies(i); k++) {
                assertEquals(v[i], s[r.ciphertext(i, k)][r.slot(i, k)], 0.0);
                assertTrue(used.add(((long) r.ciphertext(i, k) << 32) | r.slot(i, k)), "slot used twice in " + r.describe());
            }
        }
        for (int c = 0; c < s.length; c++) {
            for (int u = 0; u < s[c].length; u++) {
                if (!used.contains(((long) c << 32) | u)) {
                    assertEquals(0.0, s[c][u], "unoccupied slot " + u + " of ciphertext " + c);
                }
            }
        }
    }

    @Test
    void denseOverOneAndSeveralCiphertexts() {
        roundTrip(new DenseLayout(845, 4096));
        DenseLayout d = new DenseLayout(9000, 4096);
        assertEquals(3, d.ciphertexts());
        assertEquals(2, d.ciphertext(8192, 0));
        assertEquals(0, d.slot(8192, 0));
        roundTrip(d);
    }

    @Test
    void stackedCopiesEveryPeriod() {
        StackedLayout s = new StackedLayout(845, 1024, 4, 4096);
        assertEquals(4, s.copies(7));
        assertEquals(2048 + 7, s.slot(7, 2));
        roundTrip(s);
        assertThrows(IllegalArgumentException.class, () -> new StackedLayout(845, 1024, 5, 4096));
        assertThrows(IllegalArgumentException.class, () -> new StackedLayout(1025, 1024, 2, 4096));
    }

    @Test
    void sparseFillsEveryCiphertextSlot() {
        SparseLayout s = new SparseLayout(10, 64);
        assertEquals(10, s.ciphertexts());
        assertEquals(64, s.copies(3));
        roundTrip(s);
    }

    @Test
    void interleavedIsAnExplicitPermutation() {
        int[] ct = {0, 1, 0, 1};
        int[] sl = {5, 5, 7, 0};
        InterleavedLayout r = new InterleavedLayout("test", 2, 8, ct, sl, Representation.Fill.GARBAGE);
        roundTrip(r);
        assertEquals(Representation.Fill.GARBAGE, r.fill());
        assertEquals(r, new InterleavedLayout("other origin", 2, 8, ct, sl, Representation.Fill.GARBAGE));
        assertNotEquals(r, r.withFill(Representation.Fill.ZERO));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InterleavedLayout("x", 2, 8, new int[] {0, 0}, new int[] {3, 3}, Representation.Fill.ZERO));
        assertTrue(e.getMessage().contains("shares slot 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new InterleavedLayout("x", 1, 8, new int[] {0}, new int[] {8}, Representation.Fill.ZERO));
    }

    @Test
    void convolutionGathersInputElements() {
        int[][] g = new int[3][16];
        for (int[] row : g) {
            java.util.Arrays.fill(row, -1);
        }
        g[0][0] = 4;
        g[0][5] = 1;
        g[1][0] = 4;
        g[2][9] = 0;
        ConvolutionLayout c = new ConvolutionLayout("test", 6, g);
        assertEquals(2, c.copies(4));
        assertEquals(0, c.copies(2), "an element no output reads has no copy");
        double[] v = {1, 2, 3, 4, 5, 6};
        double[][] s = c.pack(v);
        assertEquals(5, s[0][0], 0);
        assertEquals(5, s[1][0], 0);
        assertEquals(2, s[0][5], 0);
        assertEquals(1, s[2][9], 0);
        double[] back = c.unpack(s);
        assertEquals(5, back[4], 0);
        assertEquals(0, back[2], 0);
        assertThrows(IllegalArgumentException.class, () -> new ConvolutionLayout("x", 2, new int[][] {{0, 5, -1, -1}}));
    }

    @Test
    void batchPutsImageBInSlotB() {
        BatchLayout b = new BatchLayout(7, 100, 128);
        assertEquals(7, b.ciphertexts());
        assertEquals(3, b.ciphertext(2 * 7 + 3, 0));
        assertEquals(2, b.slot(2 * 7 + 3, 0));
        roundTrip(b);
        assertThrows(IllegalArgumentException.class, () -> new BatchLayout(7, 129, 128));
    }

    @Test
    void contiguousBlocksDetectsVectorizableLayouts() {
        int[] ct = new int[6];
        int[] sl = new int[6];
        for (int i = 0; i < 6; i++) {
            ct[i] = i / 3;
            sl[i] = i % 3;
        }
        InterleavedLayout r = new InterleavedLayout("maps", 2, 8, ct, sl, Representation.Fill.ZERO);
        assertArrayEquals(new int[] {0, 0}, r.contiguousBlocks());
        assertNull(r.withFill(Representation.Fill.GARBAGE).contiguousBlocks());
        assertNull(new StackedLayout(3, 4, 2, 8).contiguousBlocks());
    }

    @Test
    void wrongLengthsAreRefused() {
        Representation r = new DenseLayout(10, 16);
        assertThrows(IllegalArgumentException.class, () -> r.pack(new double[9]));
        assertThrows(IllegalArgumentException.class, () -> r.unpack(new double[2][16]));
        List.of(0, -1).forEach(n -> assertThrows(IllegalArgumentException.class, () -> new DenseLayout(n, 16)));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayout(10, 12));
    }
}
