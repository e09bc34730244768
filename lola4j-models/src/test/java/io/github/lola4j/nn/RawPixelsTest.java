package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.models.ModelRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every shipped model of images takes raw pixels ({@link Network#input(double[], double)}) as it
 * takes its data set's bytes: on every image of the real test set, 0..255 values and [0, 1] values
 * made as {@code p / 255} give the same doubles, bit for bit, as {@link Network#input(LabeledImages, int)}.
 */
class RawPixelsTest {

    @Test
    void everyShippedImageModelTakesRawPixelsBitForBit() throws IOException {
        List<String> covered = new ArrayList<>();
        for (String name : ModelRegistry.names()) {
            Network net = ModelRegistry.load(name);
            if (net.inputShape().rank() != 3) {
                // caltech101-head takes 512 deep features, which are no pixels
                assertEquals("shape: " + net.inputShape() + " is not an image shape (channels x rows x cols)",
                        assertThrows(IllegalArgumentException.class, () -> net.input(new double[net.inputShape().size()],
                                InputNormalization.BYTE_PIXELS)).getMessage());
                continue;
            }
            LabeledImages test = DataLocator.builder(Dataset.byId(net.info().dataset())).testSetOnly()
                    .dataDirectory(Path.of("../shared/data")).download(false).build().loadTestSet();
            assertEquals(10_000, test.count());
            for (int i = 0; i < test.count(); i++) {
                byte[] raw = test.rawImage(i);
                double[] bytes = new double[raw.length];
                double[] unit = new double[raw.length];
                for (int k = 0; k < raw.length; k++) {
                    bytes[k] = raw[k] & 0xff;
                    unit[k] = (raw[k] & 0xff) / 255.0;
                }
                double[] expected = net.input(test, i);
                assertBitwise(expected, net.input(bytes, InputNormalization.BYTE_PIXELS), name + " image " + i + ", 0..255");
                assertBitwise(expected, net.input(unit, InputNormalization.UNIT_PIXELS), name + " image " + i + ", [0, 1]");
            }
            covered.add(name + " " + net.info().normalization().isPixelScale());
        }
        // the per-channel standardisation (lola-cifar) is among them, not only the MNIST models' p/256
        assertEquals(List.of("lola true", "lola-small true", "lola-large true", "lola-cifar false"), covered);
    }

    private static void assertBitwise(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int k = 0; k < expected.length; k++) {
            if (Double.doubleToRawLongBits(expected[k]) != Double.doubleToRawLongBits(actual[k])) {
                throw new AssertionError(what + ": value " + k + " is " + actual[k] + ", not " + expected[k]);
            }
        }
    }
}
