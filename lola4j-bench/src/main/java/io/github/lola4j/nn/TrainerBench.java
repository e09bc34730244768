package io.github.lola4j.nn;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The trainer's inner work, one thread: the forward and backward passes of one chunk of
 * {@value BatchRunner#CHUNK} samples through a network, as {@code BatchRunner} runs them
 * ({@code batched}: the samples side by side) and as it ran them before ({@code sample}: one
 * sample after the other, the same arithmetic). An epoch is about (samples / 8) chunks divided
 * by the threads. Networks: {@code lola}, {@code lola-large} (MNIST), {@code cifar} (LOLA.md 4.1:
 * 3x32x32 padded by 1, conv 83 8x8/2, square, conv 163 6x6/2, square, dense 4075 -> 10).
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar TrainerBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class TrainerBench {

    @Param({"lola", "lola-large", "cifar"})
    public String net;

    private Trainer.Model model;
    private double[][] acts;
    private double[] gradA;
    private double[] gradB;
    private double[][] grads;
    private double[][] sampleActs;
    private double[] sampleA;
    private double[] sampleB;
    private final int n = BatchRunner.CHUNK;

    @Setup
    public void setUp() {
        Network network;
        if (net.equals("cifar")) {
            List<Layer> layers = List.of(Conv2d.zeros(Conv2d.Geometry.square(3, 83, 8, 2, 1, 1, 1, 1)), Square.INSTANCE,
                    Conv2d.zeros(Conv2d.Geometry.square(83, 163, 6, 2, 0, 0, 0, 0)), Square.INSTANCE, Flatten.INSTANCE,
                    Dense.zeros(163 * 5 * 5, 10));
            network = Network.of(Shape.of(3, 32, 32), layers, ModelInfo.untrained("cifar", "cifar10", 1.0 / 256));
        } else {
            network = Architecture.byId(net).untrained("mnist");
        }
        model = new Trainer.Model(network);
        SplittableRandom r = new SplittableRandom(1);
        for (double[] p : model.params) {
            for (int k = 0; k < p.length; k++) {
                p[k] = (r.nextDouble() - 0.5) * 0.1;
            }
        }
        acts = new double[model.shapes.length][];
        sampleActs = new double[model.shapes.length][];
        int max = 0;
        for (int i = 0; i < acts.length; i++) {
            acts[i] = new double[model.shapes[i].size() * n];
            sampleActs[i] = new double[model.shapes[i].size()];
            max = Math.max(max, model.shapes[i].size());
        }
        for (int k = 0; k < acts[0].length; k++) {
            acts[0][k] = r.nextDouble();
        }
        System.arraycopy(acts[0], 0, sampleActs[0], 0, sampleActs[0].length);
        gradA = new double[max * n];
        gradB = new double[max * n];
        sampleA = new double[max];
        sampleB = new double[max];
        grads = model.newGradient();
    }

    /** One chunk, the samples side by side. */
    @Benchmark
    public double batched() {
        int last = model.layers.size();
        for (int l = 0; l < last; l++) {
            model.layers.get(l).forwardBatch(model.shapes[l], model.params[l], acts[l], acts[l + 1], n);
        }
        double[] gy = gradA;
        double[] gx = gradB;
        System.arraycopy(acts[last], 0, gy, 0, acts[last].length);
        for (int l = last - 1; l >= 0; l--) {
            model.layers.get(l).backwardBatch(model.shapes[l], model.params[l], acts[l], gy, l > 0 ? gx : null, grads[l], n);
            double[] t = gy;
            gy = gx;
            gx = t;
        }
        return grads[0][0];
    }

    /** One chunk in the trainer's fast mode (matrix products, sums reordered). */
    @Benchmark
    public double fast() {
        int last = model.layers.size();
        for (int l = 0; l < last; l++) {
            model.layers.get(l).forwardFast(model.shapes[l], model.params[l], acts[l], acts[l + 1], n);
        }
        double[] gy = gradA;
        double[] gx = gradB;
        System.arraycopy(acts[last], 0, gy, 0, acts[last].length);
        for (int l = last - 1; l >= 0; l--) {
            model.layers.get(l).backwardFast(model.shapes[l], model.params[l], acts[l], gy, l > 0 ? gx : null, grads[l], n);
            double[] t = gy;
            gy = gx;
            gx = t;
        }
        return grads[0][0];
    }

    /** One chunk, one sample after the other (the trainer before the batched kernels). */
    @Benchmark
    public double sample() {
        int last = model.layers.size();
        for (int s = 0; s < n; s++) {
            for (int l = 0; l < last; l++) {
                model.layers.get(l).forward(model.shapes[l], model.params[l], sampleActs[l], sampleActs[l + 1]);
            }
            double[] gy = sampleA;
            double[] gx = sampleB;
            System.arraycopy(sampleActs[last], 0, gy, 0, sampleActs[last].length);
            for (int l = last - 1; l >= 0; l--) {
                model.layers.get(l).backward(model.shapes[l], model.params[l], sampleActs[l], gy, l > 0 ? gx : null, grads[l]);
                double[] t = gy;
                gy = gx;
                gx = t;
            }
        }
        return grads[0][0];
    }
}
