package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.data.CalibrationInputs;
import io.github.lola4j.data.Cifar10;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A library user who compiles with the default calibration ({@code lola4j-data}'s
 * {@link CalibrationInputs}) gets the plan {@code lola4j plan} prints, without the command line:
 * the documented plan of {@code lola} (docs/lola.md, "The MNIST plans"), which synthetic inputs do
 * not give, and for {@code lola-cifar} the first 100 CIFAR-10 test images. (The command line's
 * side, byte for byte, is {@code cli.DefaultCalibrationCliTest}.)
 */
class DefaultCalibrationTest {

    private static int[] bits(long[] primes) {
        int[] b = new int[primes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = 64 - Long.numberOfLeadingZeros(primes[i]);
        }
        return b;
    }

    private static byte[] bytes(Plan plan) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        plan.write(out);
        return out.toByteArray();
    }

    @Test
    void lolaCompilesToThePlanOfTheCommandLine() throws IOException {
        Network net = ModelRegistry.load("lola");
        CalibrationInputs cal = CalibrationInputs.of(net);
        assertEquals(CalibrationInputs.Source.EMBEDDED_SAMPLE, cal.source());
        LabeledImages sample = Mnist.embeddedSample();
        List<double[]> byHand = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byHand.add(net.input(sample, i));
        }
        Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal.inputs()));
        // what the command line passed before the policy moved here: the same plan, byte for byte
        assertArrayEquals(bytes(LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(byHand))), bytes(plan));
        // the plan docs/lola.md shows for `lola4j plan --model lola`; synthetic inputs give Q = [36,28,29,28,28,29], P = [40]
        assertEquals(8192, plan.parameters().ringDegree());
        assertArrayEquals(new int[] {37, 28, 28, 28, 27, 27}, bits(plan.parameters().primes()));
        assertArrayEquals(new int[] {42}, bits(plan.parameters().specialPrimes()));
        assertEquals(5, plan.depth());
        assertEquals(new TreeSet<>(Set.of(1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64, 128, 256, 512, 1024, 2048)),
                new TreeSet<>(plan.keyRequirements().rotations()));
        assertEquals("100 calibration inputs", plan.compileInfo().calibration());
    }

    /** With ../shared/data, lola-cifar is calibrated on the first 100 CIFAR-10 test images, standardized. */
    @Test
    void lolaCifarIsCalibratedOnTheFirstHundredTestImages() throws IOException {
        Network net = ModelRegistry.load("lola-cifar");
        CalibrationInputs cal = CalibrationInputs.of(net,
                DataLocator.builder(Dataset.CIFAR10).testSetOnly().dataDirectory(Path.of("../shared/data")).build());
        assertEquals(CalibrationInputs.Source.TEST_SET, cal.source());
        LabeledImages test = Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        List<double[]> in = cal.inputs();
        assertEquals(100, in.size());
        for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(net.input(test, i), in.get(i), "image " + i);
        }
        // standardized, not raw: the first pixel of the first image, (p - 125.307) / 62.993 for the red channel
        int p = test.rawImage(0)[0] & 0xff;
        assertEquals((p - 125.307) / 62.993, in.get(0)[0], 1e-3);
    }

    /** An empty calibration (the policy found no data) is the default: the same plan as no call at all. */
    @Test
    void noCalibrationInputsMeanTheSyntheticDefault() throws IOException {
        Network net = CompilerTest.net(Shape.of(32), 1.0, 21, Dense.zeros(32, 16), Square.INSTANCE, Dense.zeros(16, 4));
        Plan none = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(List.of()));
        assertArrayEquals(bytes(LolaCompiler.compile(net, CompileOptions.lowLatency())), bytes(none));
        assertEquals("16 synthetic inputs of uniform pixels (no calibration data given)", none.compileInfo().calibration());
    }
}
