package io.github.lola4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each step of the default calibration policy, with the environment and the home folder injected so
 * that no real {@code LOLA4J_DATA} or cache changes the outcome, and a mirror nothing answers on
 * so that a download, were one tried, would fail rather than pass unseen.
 */
class CalibrationInputsTest {

    @TempDir
    Path tmp;

    private static final Network DIGITS = Network.of(Shape.of(1, 28, 28), List.of(Flatten.INSTANCE, Dense.zeros(784, 10)),
            ModelInfo.untrained("digits", "mnist", ModelInfo.PIXEL_SCALE_256));

    /** CIFAR-10's shape and standardisation, as lola-cifar (which lives in lola4j-models). */
    private static final Network COLOUR = Network.of(Shape.of(3, 32, 32), List.of(Flatten.INSTANCE, Dense.zeros(3072, 10)),
            ModelInfo.untrained("colour", "cifar10", InputNormalization.standardize(new double[] {125.307, 122.950, 113.865},
                    new double[] {62.993, 62.089, 66.705})));

    private DataLocator.Builder locator(Dataset d, Path folder, String env) {
        Map<String, String> vars = env == null ? Map.of() : Map.of(DataLocator.ENV_VARIABLE, env);
        return DataLocator.builder(d).testSetOnly().dataDirectory(folder).environment(vars::get)
                .homeDirectory(tmp.resolve("home")).mirrors(List.of(URI.create("http://127.0.0.1:9/")))
                .timeout(Duration.ofSeconds(2));
    }

    private static void assertInputs(Network net, LabeledImages images, CalibrationInputs cal) {
        List<double[]> in = cal.inputs();
        assertEquals(CalibrationInputs.COUNT, in.size());
        for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(net.input(images, i), in.get(i), "input " + i); // bit for bit: no delta
        }
    }

    /** A network of MNIST's shape always gets the embedded sample, whatever the locator finds or not. */
    @Test
    void mnistShapedNetworksGetTheEmbeddedSample() {
        for (CalibrationInputs cal : List.of(CalibrationInputs.of(DIGITS),
                CalibrationInputs.of(DIGITS, locator(Dataset.MNIST, TestData.MNIST, null).build()),
                CalibrationInputs.of(DIGITS, locator(Dataset.MNIST, tmp.resolve("nowhere"), null).build()))) {
            assertEquals(CalibrationInputs.Source.EMBEDDED_SAMPLE, cal.source());
            assertEquals("the 100 MNIST test images embedded in the jar", cal.toString());
            assertInputs(DIGITS, Mnist.embeddedSample(), cal);
        }
    }

    @Test
    void otherNetworksGetTheFirstHundredLocalTestImages() throws IOException {
        LabeledImages test = Cifar10.loadTestSet(TestData.CIFAR10);
        CalibrationInputs cal = CalibrationInputs.of(COLOUR, locator(Dataset.CIFAR10, Path.of("../shared/data"), null).build());
        assertEquals(CalibrationInputs.Source.TEST_SET, cal.source());
        assertEquals("the first 100 CIFAR-10 test images, from ../shared/data/cifar10 (--data)", cal.toString());
        assertInputs(COLOUR, test, cal);

        cal = CalibrationInputs.of(COLOUR, locator(Dataset.CIFAR10, null, "../shared/data/cifar10").build());
        assertEquals("the first 100 CIFAR-10 test images, from ../shared/data/cifar10 (" + DataLocator.ENV_VARIABLE + ")",
                cal.toString());
        assertInputs(COLOUR, test, cal);

        Path cache = tmp.resolve("home/.cache/lola4j/cifar10");
        Files.createDirectories(cache);
        Files.createSymbolicLink(cache.resolve("test_batch.bin.gz"), TestData.CIFAR10.resolve("test_batch.bin.gz").toAbsolutePath());
        cal = CalibrationInputs.of(COLOUR, locator(Dataset.CIFAR10, null, null).build());
        assertEquals("the first 100 CIFAR-10 test images, from " + cache + " (cache)", cal.toString());
        assertInputs(COLOUR, test, cal);
    }

    /** Nothing local: none, and no download, even from a locator that allows one. */
    @Test
    void nothingLocalGivesNoneAndNeverDownloads() {
        DataLocator where = locator(Dataset.CIFAR10, null, null).download(true).build();
        CalibrationInputs cal = CalibrationInputs.of(COLOUR, where);
        assertEquals(CalibrationInputs.Source.NONE, cal.source());
        assertEquals(0, cal.count());
        assertEquals(List.of(), cal.inputs());
        assertEquals("none (CIFAR-10 test set not found locally (no folder given, LOLA4J_DATA not set, nothing in "
                + where.cacheDirectory() + ")): the compiler's synthetic inputs", cal.toString());
        assertFalse(Files.exists(where.cacheDirectory()), "a download was attempted");
    }

    /** What would be an error elsewhere is a reason here: the compiler still compiles, on synthetic inputs. */
    @Test
    void unusableDataGivesNoneWithTheReason() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals("none (--data " + empty + ": no CIFAR-10 test set there.): the compiler's synthetic inputs",
                CalibrationInputs.of(COLOUR, locator(Dataset.CIFAR10, empty, null).build()).toString());
        assertEquals("none (the MNIST test images are 1x28x28, the network takes 3x32x32): the compiler's synthetic inputs",
                CalibrationInputs.of(COLOUR, locator(Dataset.MNIST, TestData.MNIST, null).build()).toString());
        Network features = Network.of(Shape.of(512), List.of(Dense.zeros(512, 10)), ModelInfo.untrained("head", "caltech101", 1));
        CalibrationInputs cal = CalibrationInputs.of(features);
        assertEquals(CalibrationInputs.Source.NONE, cal.source());
        assertEquals("none (the model's data set 'caltech101' is none that lola4j reads test images of): the compiler's"
                + " synthetic inputs", cal.toString());
    }

    @Test
    void inputsAreFreshCopies() {
        CalibrationInputs cal = CalibrationInputs.of(DIGITS);
        double first = cal.inputs().get(0)[200];
        cal.inputs().get(0)[200] = 1e9;
        assertEquals(first, cal.inputs().get(0)[200], 0.0);
        assertThrows(UnsupportedOperationException.class, () -> cal.inputs().add(new double[784]));
        assertThrows(NullPointerException.class, () -> CalibrationInputs.of(null));
        assertThrows(NullPointerException.class, () -> CalibrationInputs.of(DIGITS, null));
    }
}
