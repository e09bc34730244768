package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raw pixels in a stated range become exactly the inputs a data set's bytes become, and the
 * mistakes a caller can make (length, NaN, a range that is not the stated one) fail naming what is
 * wrong.
 */
class InputNormalizationTest {

    /** The MNIST models' map, the CIFAR-10 model's standardisation, and a per-channel affine map with offsets. */
    private static final List<InputNormalization> MAPS = List.of(
            InputNormalization.pixelScale(ModelInfo.PIXEL_SCALE_256),
            InputNormalization.standardize(new double[] {125.307, 122.950, 113.865}, new double[] {62.993, 62.089, 66.705}),
            InputNormalization.affine(new double[] {1 / 255.0, 0.3, 7.1}, new double[] {-0.5, 1e-3, -3}));

    private static final Shape RGB = Shape.of(3, 16, 16);

    /** Two 3x16x16 images whose every channel holds every value 0..255 once: all levels, all channels. */
    private static LabeledImages everyLevel() {
        int n = RGB.size();
        byte[] px = new byte[2 * n];
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < n; k++) {
                px[i * n + k] = (byte) ((k * 7 + 3 * i) & 0xff); // 7 is odd: each 256-pixel plane is a permutation of 0..255
            }
        }
        return LabeledImages.of("levels", 3, 16, 16, 10, px, new byte[] {1, 2});
    }

    private static double[] bytes(LabeledImages images, int i) {
        byte[] raw = images.rawImage(i);
        double[] p = new double[raw.length];
        for (int k = 0; k < p.length; k++) {
            p[k] = raw[k] & 0xff;
        }
        return p;
    }

    private static void assertBitwise(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int k = 0; k < expected.length; k++) {
            if (Double.doubleToRawLongBits(expected[k]) != Double.doubleToRawLongBits(actual[k])) {
                throw new AssertionError(what + ": value " + k + " is " + actual[k] + ", the LabeledImages path gives "
                        + expected[k]);
            }
        }
    }

    @Test
    void bytePixelsGiveTheLabeledImagesDoublesBitForBit() {
        LabeledImages images = everyLevel();
        for (InputNormalization norm : MAPS) {
            for (int i = 0; i < images.count(); i++) {
                assertBitwise(norm.apply(images, i), norm.apply(bytes(images, i), RGB, InputNormalization.BYTE_PIXELS),
                        norm + ", image " + i);
            }
        }
    }

    /**
     * [0, 1] pixels made as {@code p / 255} in double give the same bits as well: {@code (p / 255) *
     * 255} is p again for every level (checked here for all 256), so the same affine map sees the
     * same pixel.
     */
    @Test
    void unitPixelsGiveTheSameDoublesExactly() {
        for (int p = 0; p <= 255; p++) {
            assertEquals(p, p / 255.0 * 255, "level " + p);
        }
        LabeledImages images = everyLevel();
        for (InputNormalization norm : MAPS) {
            for (int i = 0; i < images.count(); i++) {
                double[] unit = bytes(images, i);
                for (int k = 0; k < unit.length; k++) {
                    unit[k] /= 255;
                }
                assertBitwise(norm.apply(images, i), norm.apply(unit, RGB, InputNormalization.UNIT_PIXELS), norm + ", image " + i);
            }
        }
    }

    /**
     * Pixels rounded to float first (a PyTorch tensor) keep float's rounding, relative 2^-24 of the
     * pixel: close, but not the same bits, and documented so.
     */
    @Test
    void floatPixelsCarryFloatsRoundingOnly() {
        InputNormalization norm = MAPS.get(1);
        LabeledImages images = everyLevel();
        double[] exact = norm.apply(images, 0);
        double[] raw = bytes(images, 0);
        double[] f = new double[raw.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) (raw[k] / 255f);
        }
        double[] got = norm.apply(f, RGB, InputNormalization.UNIT_PIXELS);
        int differ = 0;
        for (int k = 0; k < got.length; k++) {
            // float's 2^-24 of the pixel, doubled for the double roundings of the product and the sum
            double bound = raw[k] * 0x1p-23 * norm.scale(k / 256) + 2 * Math.ulp(exact[k]);
            assertTrue(Math.abs(got[k] - exact[k]) <= bound, "value " + k + ": " + got[k] + " vs " + exact[k]);
            differ += got[k] != exact[k] ? 1 : 0;
        }
        assertTrue(differ > 500, "float pixels differ in " + differ + " of 768 values");
    }

    /** The MNIST model's p/256 from [0, 1] pixels, against the 255/256 a hand-written x/255 would feed. */
    @Test
    void unitPixelsAreRescaledToTheModelsOwnScale() {
        InputNormalization mnist = MAPS.get(0);
        double[] px = new double[28 * 28];
        px[0] = 1.0;
        px[1] = 128 / 255.0;
        double[] in = mnist.apply(px, Shape.of(1, 28, 28), InputNormalization.UNIT_PIXELS);
        assertEquals(255 / 256.0, in[0], 0.0);
        assertEquals(0.5, in[1], 0.0);
    }

    @Test
    void networkInputAppliesItsOwnNormalization() {
        Network net = Network.of(Shape.of(1, 28, 28), List.of(Flatten.INSTANCE, Dense.zeros(784, 10)),
                ModelInfo.untrained("t", "mnist", ModelInfo.PIXEL_SCALE_256));
        double[] px = new double[784];
        px[5] = 200;
        double[] in = net.input(px, InputNormalization.BYTE_PIXELS);
        assertEquals(200 / 256.0, in[5], 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.input(new double[783], 255));
        assertEquals("pixels: 783 values, the input 1x28x28 takes 784 (channels x rows x cols)", e.getMessage());
    }

    @Test
    void badInputsFailNamingWhatIsWrong() {
        InputNormalization mnist = MAPS.get(0);
        InputNormalization cifar = MAPS.get(1);
        Shape digit = Shape.of(1, 28, 28);
        double[] ok = new double[784];
        assertEquals("pixels: 785 values, the input 1x28x28 takes 784 (channels x rows x cols)",
                message(() -> mnist.apply(new double[785], digit, 255)));
        double[] nan = ok.clone();
        nan[5] = Double.NaN;
        assertEquals("pixels[5] is NaN, expected a finite value in [0, 255.0]", message(() -> mnist.apply(nan, digit, 255)));
        double[] inf = ok.clone();
        inf[9] = Double.POSITIVE_INFINITY;
        assertEquals("pixels[9] is Infinity, expected a finite value in [0, 1.0]", message(() -> mnist.apply(inf, digit, 1)));
        double[] high = ok.clone();
        high[7] = 256;
        assertEquals("pixels[7] = 256.0 is outside [0, 255.0], the stated range", message(() -> mnist.apply(high, digit, 255)));
        double[] bytesAsUnit = ok.clone();
        bytesAsUnit[300] = 17;
        assertEquals("pixels[300] = 17.0 is outside [0, 1.0], the stated range; pixels of 0..255 take pixelMax 255",
                message(() -> mnist.apply(bytesAsUnit, digit, InputNormalization.UNIT_PIXELS)));
        double[] negative = ok.clone();
        negative[783] = -0.001;
        assertEquals("pixels[783] = -0.001 is outside [0, 1.0], the stated range",
                message(() -> mnist.apply(negative, digit, 1)));
        for (double max : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertEquals("pixelMax must be finite and positive (255 for pixels 0..255, 1 for [0, 1]), got " + max,
                    message(() -> mnist.apply(ok, digit, max)));
        }
        assertEquals("shape: 784 is not an image shape (channels x rows x cols)",
                message(() -> mnist.apply(ok, Shape.of(784), 255)));
        assertEquals("shape 1x28x28: the input normalization describes 3 channels, the images have 1",
                message(() -> cifar.apply(ok, digit, 255)));
        assertThrows(NullPointerException.class, () -> mnist.apply(null, digit, 255));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
