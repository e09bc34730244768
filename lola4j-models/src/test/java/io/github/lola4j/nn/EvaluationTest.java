package io.github.lola4j.nn;

import io.github.lola4j.models.ModelRegistry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lola4j.data.Cifar10;
import io.github.lola4j.data.Dataset;
import io.github.lola4j.data.Mnist;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link Evaluation} runs images in chunks side by side; its counts and per-layer maxima must be
 * exactly those of evaluating one image at a time with {@link Network#forward}.
 */
class EvaluationTest {

    /** The reference: one image at a time, the prediction and every layer's largest |value|. */
    private static Evaluation oneByOne(Network net, LabeledImages images, int n) {
        int correct = 0;
        double maxIn = 0;
        double[] maxAbs = new double[net.layers().size()];
        for (int i = 0; i < n; i++) {
            double[] x = net.input(images, i);
            for (double v : x) {
                maxIn = Math.max(maxIn, Math.abs(v));
            }
            for (int l = 0; l < maxAbs.length; l++) {
                Layer layer = net.layers().get(l);
                double[] y = new double[net.outputShape(l).size()];
                layer.forward(net.inputShape(l), layer.parameters(), x, y);
                for (double v : y) {
                    maxAbs[l] = Math.max(maxAbs[l], Math.abs(v));
                }
                x = y;
            }
            if (Tensor.argmax(x) == images.label(i)) {
                correct++;
            }
        }
        return new Evaluation(n, correct, 0, maxIn, maxAbs);
    }

    private static void same(Network net, LabeledImages images, int n) {
        Evaluation ref = oneByOne(net, images, n);
        for (int threads : new int[] {1, 2, 3}) {
            Evaluation ev = Evaluation.run(net, images, n, threads);
            String what = net.info().name() + ", " + n + " images, " + threads + " threads";
            assertEquals(n, ev.count(), what);
            assertEquals(ref.correct(), ev.correct(), what);
            assertEquals(ref.maxAbsInput(), ev.maxAbsInput(), 0.0, what);
            assertArrayEquals(ref.maxAbs(), ev.maxAbs(), 0.0, what);
        }
    }

    /** MNIST models (padded convolution, dense layers), 37 images: two full chunks and a partial one. */
    @Test
    void shippedMnistModelsMatchImageByImage() throws IOException {
        LabeledImages test = Mnist.loadTestSet(Path.of("../shared/data/mnist"), Dataset.MNIST);
        same(ModelRegistry.load("lola"), test, 37);
        same(ModelRegistry.load("lola-small"), test, 5);
    }

    /** The CIFAR-10 model: colour input, a padded and an unpadded (matrix-product) convolution. */
    @Test
    void cifarModelMatchesImageByImage() throws IOException {
        LabeledImages test = Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        same(ModelRegistry.load("lola-cifar"), test, 21);
    }

    @Test
    void refusesBadArguments() throws IOException {
        LabeledImages test = Mnist.loadTestSet(Path.of("../shared/data/mnist"), Dataset.MNIST);
        assertThrows(IllegalArgumentException.class, () -> Evaluation.run(ModelRegistry.load("lola"), test, 10, 0));
        LabeledImages cifar = Cifar10.loadTestSet(Path.of("../shared/data/cifar10"));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.run(ModelRegistry.load("lola"), cifar, 10, 1));
    }
}
