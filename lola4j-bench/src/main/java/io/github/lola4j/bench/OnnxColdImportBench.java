package io.github.lola4j.bench;

import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.onnx.OnnxModels;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first ONNX import in a fresh JVM, of a 5.1 MB model (flatten, dense 784 -> 1600, x^2,
 * dense 1600 -> 10: 1,272,010 float weights): what a command pays once. Each fork imports once;
 * the bytes are made in the fork's setup by {@link OnnxModels#toBytes}, which loads the protobuf
 * classes but leaves the reader cold.
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar OnnxColdImportBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 10, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class OnnxColdImportBench {

    private byte[] onnx;

    @Setup
    public void export() {
        SplittableRandom r = new SplittableRandom(5);
        Network net = Network.of(Shape.of(1, 28, 28), List.of(Flatten.INSTANCE, dense(784, 1600, r), Square.INSTANCE,
                dense(1600, 10, r)), ModelInfo.untrained("big", "mnist", 1 / 255.0));
        onnx = OnnxModels.toBytes(net);
    }

    private static Dense dense(int in, int out, SplittableRandom r) {
        double[] w = new double[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-0.05, 0.05);
        }
        return Dense.of(in, out, w, new double[out]);
    }

    @Benchmark
    public Network firstImport() throws IOException {
        return OnnxModels.fromBytes(onnx, "big.onnx", "big");
    }
}
