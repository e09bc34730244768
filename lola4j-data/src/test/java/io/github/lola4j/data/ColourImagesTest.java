package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Colour image files to R, G, B planes: as they are at the right size, resized and centre-cropped otherwise. */
class ColourImagesTest {

    @TempDir
    Path tmp;

    private static int rgb(int r, int g, int b) {
        return r << 16 | g << 8 | b;
    }

    @Test
    void anImageOfTheRightSizeIsItsPlanesExactly() throws IOException {
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
        byte[] expected = new byte[3 * 4 * 5];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                int r = 10 * y + x;
                int g = 100 + r;
                int b = 255 - r;
                img.setRGB(x, y, rgb(r, g, b));
                expected[y * 5 + x] = (byte) r;
                expected[20 + y * 5 + x] = (byte) g;
                expected[40 + y * 5 + x] = (byte) b;
            }
        }
        Path file = tmp.resolve("exact.png");
        ImageIO.write(img, "png", file.toFile());
        assertArrayEquals(expected, ColourImages.read(file, 4, 5));
    }

    @Test
    void anotherSizeIsResizedToCoverThenCentreCropped() {
        // 12 wide, 4 high, to 2 x 2: scaled by 1/2 to 6 x 2 and columns 2 and 3 kept, which the filter
        // computes from source columns 3 to 8: green there, red left of it, blue right of it
        BufferedImage img = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 12; x++) {
                img.setRGB(x, y, x < 3 ? rgb(255, 0, 0) : x < 9 ? rgb(0, 200, 0) : rgb(0, 0, 255));
            }
        }
        byte[] out = ColourImages.convert(img, 2, 2);
        assertEquals(12, out.length);
        for (int k = 0; k < 4; k++) {
            assertEquals(0, out[k] & 0xff, "red " + k);
            assertEquals(200, out[4 + k] & 0xff, "green " + k);
            assertEquals(0, out[8 + k] & 0xff, "blue " + k);
        }
    }

    @Test
    void translucentPixelsAreCompositedOverWhite() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x80 << 24 | rgb(0, 100, 255));
        byte[] out = ColourImages.convert(img, 1, 1);
        assertEquals(127, out[0] & 0xff); // (128 * 0 + 127 * 255) / 255
        assertEquals(177, out[1] & 0xff); // (128 * 100 + 127 * 255) / 255 = 177.2
        assertEquals(255, out[2] & 0xff);
    }

    @Test
    void greyscaleFilesAreRefusedNamingTheFile() throws IOException {
        Path grey = tmp.resolve("grey.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", grey.toFile());
        IOException e = assertThrows(IOException.class, () -> ColourImages.read(grey, 4, 4));
        assertTrue(e.getMessage().startsWith(grey + ": a greyscale image (a grey colour space); a colour model takes"
                + " 3 x 4 x 4 colour images (R, G, B)"), e.getMessage());
        byte[] levels = {0, (byte) 128, (byte) 255};
        BufferedImage palette = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(2, 3, levels, levels, levels));
        Path greys = tmp.resolve("palette.png");
        ImageIO.write(palette, "png", greys.toFile());
        e = assertThrows(IOException.class, () -> ColourImages.read(greys, 4, 4));
        assertTrue(e.getMessage().contains("a palette of greys only"), e.getMessage());
        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
        e = assertThrows(IOException.class, () -> ColourImages.read(text, 4, 4));
        assertEquals("not an image ImageIO can read: " + text, e.getMessage());
    }
}
