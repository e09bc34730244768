package io.github.lola4j.bench;

import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import io.github.lola4j.onnx.OnnxModels;
import java.io.IOException;
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
 * ONNX import: parsing the protobuf and building the network from a shipped model's export
 * ({@code lola-cifar}: 2.1 MB of float weights; {@code lola}: 0.3 MB).
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar OnnxBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class OnnxBench {

    @Param({"lola-cifar", "lola"})
    public String model;

    private byte[] onnx;

    @Setup
    public void export() throws IOException {
        onnx = OnnxModels.toBytes(ModelRegistry.load(model));
    }

    @Benchmark
    public Network importModel() throws IOException {
        return OnnxModels.fromBytes(onnx, model + ".onnx", model);
    }
}
