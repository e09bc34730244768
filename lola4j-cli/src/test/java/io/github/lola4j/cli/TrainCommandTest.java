package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.nn.Evaluation;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    @TempDir
    Path tmp;

    @Test
    void trainsSavesAndRecordsAccuracyAndCommand() throws IOException {
        Path out = tmp.resolve("small.model");
        CliTestSupport.Run r = CliTestSupport.run("train", "--arch", "lola-small", "--epochs", "1", "--train-limit", "600",
                "--seed", "5", "--data", CliTestSupport.MNIST, "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("epoch   1/1"), r.err());
        assertTrue(r.out().contains("wrote " + out), r.out());
        Network net = Network.load(out);
        assertEquals("lola-small", net.info().name());
        assertEquals("mnist", net.info().dataset());
        assertEquals(5, net.info().seed());
        assertEquals(1.0 / 256, net.info().normalization().scale(0));
        String cmd = net.info().trainingCommand();
        assertTrue(cmd.startsWith("lola4j train --arch lola-small") && cmd.contains("--epochs 1")
                && cmd.contains("--seed 5") && cmd.contains("--train-limit 600"), cmd);
        Evaluation ev = Evaluation.run(net, Mnist.loadTestSet(Path.of(CliTestSupport.MNIST), Dataset.MNIST), 0, 2);
        assertEquals(ev.accuracy(), net.info().testAccuracy(), 0.0);
        assertTrue(ev.accuracy() > 0.5, "accuracy " + ev.accuracy());
    }

    /**
     * The CIFAR-10 network from the command line: colour data, per-channel standardization and the
     * fast, flipping recipe recorded in the file, and the accuracy on the full CIFAR-10 test set
     * recorded as printed.
     */
    @Test
    void trainsTheCifarNetwork() throws IOException {
        Path out = tmp.resolve("cifar.model");
        CliTestSupport.Run r = CliTestSupport.run("train", "--arch", "lola-cifar", "--epochs", "1", "--train-limit", "512",
                "--batch", "16", "--lr", "0.005", "--warmup", "0", "--fast", "--flip", "--data", "../shared/data", "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("cifar10") && r.err().contains("epoch   1/1"), r.err());
        Network net = Network.load(out);
        assertEquals("lola-cifar", net.info().name());
        assertEquals("cifar10", net.info().dataset());
        assertEquals(3, net.inputShape(0).dim(0));
        assertEquals(3, net.info().normalization().channels());
        assertEquals(-125.307 / 62.993, net.info().normalization().offset(0), 1e-3);
        String cmd = net.info().trainingCommand();
        assertTrue(cmd.startsWith("lola4j train --arch lola-cifar --dataset cifar10") && cmd.contains("--fast")
                && cmd.contains("--flip") && cmd.contains("--train-limit 512"), cmd);
        // The accuracy printed and the one recorded are the same full-test-set count (ShippedModelsTest
        // checks that such a recorded figure is what an evaluation of the stored weights gives).
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("test accuracy [0-9.]+ % \\((\\d+)/10000\\)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(Integer.parseInt(m.group(1)) / 10000.0, net.info().testAccuracy(), 1e-12);
        assertTrue(net.info().testAccuracy() > 0.12, "better than chance after 32 steps: " + net.info().testAccuracy());
    }

    @Test
    void usageErrors() {
        CliTestSupport.Run r = CliTestSupport.run("train", "--out", "x.model");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--arch is required"), r.err());
        r = CliTestSupport.run("train", "--arch", "resnet", "--out", "x.model");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown architecture 'resnet'"), r.err());
        r = CliTestSupport.run("train", "--arch", "lola", "--out", "x.model", "--shift", "7");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--shift must be in [0, 4]"), r.err());
        r = CliTestSupport.run("train", "--arch", "lola", "--out", "x.model", "--lr", "-1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("learningRate = -1.0"), r.err());
    }

    @Test
    void helpListsEveryOption() {
        CliTestSupport.Run h = CliTestSupport.run("train", "--help");
        assertEquals(0, h.code());
        for (String opt : new String[] {"--arch", "--out", "--epochs", "--seed", "--threads", "--data", "--dataset",
            "--no-download", "--batch", "--lr", "--final-lr", "--warmup", "--weight-decay", "--clip", "--act-penalty",
            "--shift", "--init-std", "--train-limit", "--name", "--float64"}) {
            assertTrue(h.out().contains(opt), opt);
        }
    }
}
