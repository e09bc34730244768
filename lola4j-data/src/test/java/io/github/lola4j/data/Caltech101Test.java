package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paper's CalTech-101 split: counts and labels as the README and the authors' catalogues say,
 * every image preprocessed bit for bit as Pillow 9.4 does (the SHA-256 of each 3 x 224 x 224 crop,
 * computed with Pillow and committed), and damaged or incomplete folders refused by file name.
 */
class Caltech101Test {

    /** The Pillow crops' SHA-256, training images then test images, in the catalogues' order. */
    private static List<String> pillowCrops() throws IOException {
        try (InputStream in = Caltech101Test.class.getResourceAsStream("caltech101-pillow-crops.sha256")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"));
        }
    }

    @Test
    void theSplitHasTheCountsAndLabelsOfTheCatalogues() throws IOException {
        List<Caltech101.Entry> train = Caltech101.entries(Caltech101.Part.TRAIN);
        List<Caltech101.Entry> test = Caltech101.entries(Caltech101.Part.TEST);
        assertEquals(2020, train.size());
        assertEquals(1010, test.size());
        assertEquals(new Caltech101.Entry("101_ObjectCategories/accordion/image_0001.jpg", 0), train.get(0));
        assertEquals(new Caltech101.Entry("101_ObjectCategories/Faces/image_0021.jpg", 36), test.get(360));
        assertEquals(new Caltech101.Entry("101_ObjectCategories/yin_yang/image_0030.jpg", 100), test.get(1009));
        // opening checks the catalogues beside the images line by line
        Caltech101 c = Caltech101.open(TestData.CALTECH101, false);
        assertEquals(TestData.CALTECH101, c.directory());
        Map<String, String> sums = Caltech101.checksums();
        assertEquals(3030, sums.size());
    }

    /** One image of each class (colour and grey) in the default run; the slow profile checks all 3,030. */
    @Test
    void imagesArePreprocessedAsPillowDoes() throws IOException {
        checkCrops(101);
    }

    @Test
    @Tag("slow")
    void everyImageIsPreprocessedAsPillowDoes() throws IOException {
        checkCrops(1);
    }

    private static void checkCrops(int every) throws IOException {
        Caltech101 c = Caltech101.open(TestData.CALTECH101, false);
        List<String> expected = pillowCrops();
        List<Caltech101.Entry> all = new java.util.ArrayList<>(Caltech101.entries(Caltech101.Part.TRAIN));
        all.addAll(Caltech101.entries(Caltech101.Part.TEST));
        assertEquals(all.size(), expected.size());
        for (int i = 0; i < all.size(); i += every) {
            byte[] crop = c.image(all.get(i));
            assertEquals(3 * 224 * 224, crop.length);
            assertEquals(expected.get(i), sha256(crop), all.get(i).file());
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void normalizationIsImageNets() {
        byte[] chw = new byte[3 * 224 * 224];
        chw[0] = (byte) 255;
        chw[224 * 224] = 0;
        chw[2 * 224 * 224 + 5] = (byte) 128;
        double[] x = Caltech101.normalize(chw);
        assertEquals((1 - 0.485) / 0.229, x[0], 1e-12);
        assertEquals(-0.456 / 0.224, x[224 * 224], 1e-12);
        assertEquals((128 / 255.0 - 0.406) / 0.225, x[2 * 224 * 224 + 5], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Caltech101.normalize(new byte[10]));
    }

    /** A copy of two classes' folders: incomplete, then with a damaged image, then with a wrong catalogue. */
    @Test
    void anIncompleteOrDamagedFolderIsRefusedByFileName(@TempDir Path dir) throws IOException {
        IOException e = assertThrows(IOException.class, () -> Caltech101.open(dir, false));
        assertTrue(e.getMessage().contains("3030 of the 3,030 CalTech-101 images are missing, the first"
                + " 101_ObjectCategories/accordion/image_0001.jpg"), e.getMessage());
        // all images present (links to the real ones), one replaced by a damaged copy
        for (String f : Caltech101.checksums().keySet()) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, TestData.CALTECH101.resolve(f).toAbsolutePath());
        }
        Path victim = dir.resolve("101_ObjectCategories/ant/image_0025.jpg");
        byte[] b = Files.readAllBytes(victim);
        Files.delete(victim);
        b[b.length / 2] ^= 1;
        Files.write(victim, b);
        assertEquals(dir, Caltech101.open(dir, false).directory(), "without verification the folder opens");
        e = assertThrows(IOException.class, () -> Caltech101.open(dir, true));
        assertTrue(e.getMessage().contains("ant/image_0025.jpg: SHA-256") && e.getMessage().contains("damaged"), e.getMessage());
        Files.write(victim, java.util.Arrays.copyOf(b, 100));
        e = assertThrows(IOException.class,
                () -> Caltech101.open(dir, false).image(new Caltech101.Entry("101_ObjectCategories/ant/image_0025.jpg", 3)));
        assertTrue(e.getMessage().contains("ant/image_0025.jpg: not a readable"), e.getMessage());
        Files.delete(victim);
        Files.createSymbolicLink(victim, TestData.CALTECH101.resolve("101_ObjectCategories/ant/image_0025.jpg").toAbsolutePath());
        Files.writeString(dir.resolve("cal_test.tsv"), "accordion/image_0021.jpg\t2\n");
        e = assertThrows(IOException.class, () -> Caltech101.open(dir, false));
        assertTrue(e.getMessage().contains("cal_test.tsv: 1 lines, the paper's split has 1010"), e.getMessage());
    }

    @Test
    void theFolderIsFoundAsTheOtherDataSetsAre(@TempDir Path home) throws IOException {
        Path shared = TestData.CALTECH101.getParent();
        assertEquals(TestData.CALTECH101, Caltech101.locate(shared, k -> null, home).orElseThrow());
        assertEquals(TestData.CALTECH101, Caltech101.locate(null, k -> TestData.CALTECH101.toString(), home).orElseThrow());
        assertTrue(Caltech101.locate(null, k -> null, home).isEmpty());
        IOException e = assertThrows(IOException.class, () -> Caltech101.locate(home, k -> null, home));
        assertTrue(e.getMessage().startsWith("--data " + home + ": no 101_ObjectCategories/ folder"), e.getMessage());
        assertArrayEquals(new int[] {2020, 1010},
                new int[] {Caltech101.Part.TRAIN.count(), Caltech101.Part.TEST.count()});
    }

    /**
     * A palette image is preprocessed from its colours, as the same picture in RGB (its indices
     * read as grey levels would give another crop); 16-bit samples are refused, not wrapped.
     */
    @Test
    void aPaletteImageIsReadByItsColoursAndSixteenBitsAreRefused() throws IOException {
        int w = 300;
        int h = 260;
        int[] colours = {0x102030, 0xc04010, 0x20a060, 0xf0f0f0};
        byte[] rs = new byte[4];
        byte[] gs = new byte[4];
        byte[] bs = new byte[4];
        for (int i = 0; i < 4; i++) {
            rs[i] = (byte) (colours[i] >> 16);
            gs[i] = (byte) (colours[i] >> 8);
            bs[i] = (byte) colours[i];
        }
        java.awt.image.BufferedImage indexed = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_BYTE_INDEXED,
                new java.awt.image.IndexColorModel(8, 4, rs, gs, bs));
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int k = (x / 37 + y / 23) % 4;
                indexed.getRaster().setSample(x, y, 0, k);
                rgb.setRGB(x, y, colours[k]);
            }
        }
        assertArrayEquals(Caltech101.preprocess(rgb, "rgb"), Caltech101.preprocess(indexed, "palette"));
        java.awt.image.BufferedImage deep = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
        IOException e = assertThrows(IOException.class, () -> Caltech101.preprocess(deep, "deep.png"));
        assertTrue(e.getMessage().startsWith("deep.png: 16-bit samples"), e.getMessage());
    }
}
