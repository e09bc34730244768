package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.LabeledImages;
import io.github.lola4j.data.Mnist;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The models shipped in the jar reach the accuracies the issue asks for, on the full MNIST test set. */
class ShippedModelsTest {

    private static LabeledImages test;

    @BeforeAll
    static void load() throws IOException {
        test = Mnist.loadTestSet(Path.of("../shared/data/mnist"), Dataset.MNIST);
        assertEquals(10000, test.count());
    }

    private static Evaluation check(String name, double minAccuracy, Architecture arch) throws IOException {
        Network net = ModelRegistry.load(name);
        assertEquals(name, net.info().name());
        assertEquals("mnist", net.info().dataset());
        assertEquals(ModelInfo.PIXEL_SCALE_256, net.info().normalization().scale(0));
        assertTrue(net.info().trainingCommand().startsWith("lola4j train --arch " + arch.id() + " "),
                net.info().trainingCommand());
        // Same geometry as the architecture.
        Network ref = arch.untrained("mnist");
        assertEquals(ref.layers().size(), net.layers().size());
        for (int i = 0; i < ref.layers().size(); i++) {
            assertEquals(ref.layers().get(i).toString(), net.layers().get(i).toString());
            assertEquals(ref.outputShape(i), net.outputShape(i));
        }
        Evaluation ev = Evaluation.run(net, test, 0, Runtime.getRuntime().availableProcessors());
        assertEquals(10000, ev.count());
        assertTrue(ev.accuracy() >= minAccuracy, name + ": accuracy " + ev.accuracy() + " < " + minAccuracy);
        assertEquals(net.info().testAccuracy(), ev.accuracy(), 0.0, name + ": recorded accuracy");
        return ev;
    }

    @Test
    void lolaReachesThePapersAccuracy() throws IOException {
        check("lola", 0.9895, Architecture.LOLA);
    }

    @Test
    void lolaSmallReachesThePapersAccuracy() throws IOException {
        check("lola-small", 0.969, Architecture.LOLA_SMALL);
    }

    /** LoLa-Large has no paper accuracy of its own in the MNIST table; it must at least beat LoLa's 98.95 %. */
    @Test
    void lolaLargeBeatsLolasAccuracy() throws IOException {
        check("lola-large", 0.991, Architecture.LOLA_LARGE);
    }

    @Test
    void shippedModelsAreFloat32AndSmall() throws IOException {
        for (String name : ModelRegistry.names()) {
            Network net = ModelRegistry.load(name);
            assertEquals(ModelFormat.WeightEncoding.FLOAT32, ModelFormat.WeightEncoding.lossless(net), name);
            int bytes = ModelFormat.toBytes(net, ModelFormat.WeightEncoding.FLOAT32).length;
            assertTrue(bytes < (name.equals("lola-large") ? 2_200_000 : 400_000), name + ": " + bytes + " bytes");
        }
    }

    @Test
    void registryNamesAndErrors() throws IOException {
        assertEquals(List.of("lola", "lola-small", "lola-large"), ModelRegistry.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelRegistry.loadBuiltIn("lenet"));
        assertTrue(e.getMessage().contains("'lenet'") && e.getMessage().contains("lola, lola-small, lola-large"), e.getMessage());
        NoSuchFileException n = assertThrows(NoSuchFileException.class, () -> ModelRegistry.load("no/such.model"));
        assertTrue(n.getMessage().contains("no/such.model"), n.getMessage());
    }
}
