package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Evaluation;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {

    @TempDir
    Path tmp;

    @Test
    void jsonLastLineParsesAndMatchesTheLibrary() throws IOException {
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", "lola-small", "--data", CliTestSupport.MNIST, "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> j = MiniJson.parseObject(r.lastLine());
        assertEquals("lola-small", j.get("model"));
        assertEquals("mnist", j.get("dataset"));
        assertEquals(10000.0, j.get("count"));
        double accuracy = (Double) j.get("accuracy");
        assertEquals((Double) j.get("correct") / 10000, accuracy, 1e-15);
        assertTrue(j.get("seconds") instanceof Double);
        assertEquals(List.of("conv2d", "square", "flatten", "dense"), j.get("layers"));
        assertEquals(4, ((List<?>) j.get("max_abs")).size());

        Network net = ModelRegistry.load("lola-small");
        LabeledImages test = Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST);
        Evaluation ev = Evaluation.run(net, test, 0, 1);
        assertEquals(ev.accuracy(), accuracy, 0.0);
        assertEquals(net.info().testAccuracy(), accuracy, 0.0, "the accuracy recorded in the model");
        assertTrue(r.out().contains("accuracy  "), r.out());
    }

    @Test
    void limitAndModelPathWork() throws IOException {
        Path f = tmp.resolve("copy.model");
        ModelRegistry.load("lola-small").save(f);
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", f.toString(), "--data", CliTestSupport.MNIST,
                "--limit", "100", "--json", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> j = MiniJson.parseObject(r.lastLine());
        assertEquals(100.0, j.get("count"));
        assertEquals(f.toString(), j.get("model"));
        assertEquals("lola-small", j.get("name"));
    }

    /** A CIFAR-10 model file: the data set and the per-channel normalization come from the file. */
    @Test
    void cifarModelIsEvaluatedOnCifarWithItsOwnNormalization() throws IOException {
        LabeledImages test = io.github.lola4j.data.Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        io.github.lola4j.nn.InputNormalization norm = io.github.lola4j.nn.InputNormalization.fit(test);
        Network net = io.github.lola4j.nn.Trainer.builder().epochs(1).threads(2).fast(true).build()
                .train(io.github.lola4j.nn.Architecture.LOLA_CIFAR.untrained("cifar10", norm), test.subset(0, 64), null)
                .network();
        Path f = tmp.resolve("c.model");
        net.save(f);
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", f.toString(), "--data", "../shared/data",
                "--limit", "200", "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> j = MiniJson.parseObject(r.lastLine());
        assertEquals("cifar10", j.get("dataset"));
        assertEquals(200.0, j.get("count"));
        assertEquals(Evaluation.run(net, test.subset(0, 200), 0, 1).correct(), ((Double) j.get("correct")).intValue());
        // an MNIST data set does not fit a colour model: a clear error, not a wrong answer
        CliTestSupport.Run wrong = CliTestSupport.run("eval", "--model", f.toString(), "--data", CliTestSupport.MNIST,
                "--dataset", "mnist", "--limit", "10");
        assertTrue(wrong.code() != 0 && wrong.err().contains("3x32x32"), wrong.err());
    }

    @Test
    void unknownModelIsAClearFailure() {
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", "no-such-model", "--data", CliTestSupport.MNIST);
        assertEquals(3, r.code());
        assertTrue(r.err().contains("no-such-model") && r.err().contains("lola-small"), r.err());
    }

    @Test
    void missingDataIsAClearFailure() {
        CliTestSupport.Run r = CliTestSupport.run("eval", "--model", "lola-small", "--data", tmp.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains("--data " + tmp) && r.err().contains("LOLA4J_DATA"), r.err());
    }

    @Test
    void helpAndUsageErrors() {
        CliTestSupport.Run h = CliTestSupport.run("eval", "--help");
        assertEquals(0, h.code());
        for (String opt : new String[] {"--model", "--data", "--dataset", "--limit", "--threads", "--json", "--no-download"}) {
            assertTrue(h.out().contains(opt), opt);
        }
        CliTestSupport.Run bad = CliTestSupport.run("eval", "--jsn");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown option --jsn"), bad.err());
        CliTestSupport.Run limit = CliTestSupport.run("eval", "--limit", "0");
        assertEquals(2, limit.code());
        CliTestSupport.Run list = CliTestSupport.run("--help");
        assertTrue(list.out().contains("train") && list.out().contains("eval"), list.out());
    }
}
