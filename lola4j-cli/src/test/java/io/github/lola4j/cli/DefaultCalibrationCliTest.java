package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.CalibrationInputs;
import io.github.lola4j.data.DataLocator;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line calibrates as the library does ({@link CalibrationInputs}): {@code plan --model
 * lola} writes, prints and reports as JSON exactly the plan a library user compiles with
 * {@code CalibrationInputs.of(net)}; {@code --data} and {@code --dataset} choose the test set of
 * other networks. (The library's side alone: {@code lola.DefaultCalibrationTest}.)
 */
class DefaultCalibrationCliTest {

    @Test
    void planIsTheLibrarysPlanByteForByte(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("lola.plan");
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", "lola", "--out", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());

        Network net = ModelRegistry.load("lola");
        Plan library = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CalibrationInputs.of(net).inputs()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        library.write(bytes);
        assertArrayEquals(bytes.toByteArray(), Files.readAllBytes(file));
        assertTrue(r.out().startsWith(library.report().toString()), r.out());
        assertEquals(Json.write(library.report()), r.lastLine());
    }

    /** lola-cifar's inputs come from --data (and not from --dataset mnist, whose images do not fit). */
    @Test
    void dataAndDatasetChooseTheTestSet() throws Exception {
        Network net = ModelRegistry.load("lola-cifar");
        List<double[]> cli = Lola.calibration(net, options("--model", "lola-cifar", "--data", "../shared/data"));
        List<double[]> library = CalibrationInputs.of(net, DataLocator.builder(Dataset.CIFAR10).testSetOnly()
                .dataDirectory(Path.of("../shared/data")).build()).inputs();
        assertEquals(100, cli.size());
        for (int i = 0; i < cli.size(); i++) {
            assertArrayEquals(library.get(i), cli.get(i), "input " + i);
        }
        assertEquals(List.of(), Lola.calibration(net, options("--model", "lola-cifar", "--data", "../shared/data/mnist",
                "--dataset", "mnist")));
    }

    private static Options options(String... args) {
        return Options.parse(args, new PlanCommand().spec());
    }
}
