package io.github.lola4j.bench;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Caltech101;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.onnx.OnnxGraph;
import io.github.lola4j.onnx.PooledFeatures;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The deep-features row at 128-bit security: the server's encrypted evaluation of a private
 * linear head ({@code head}), and the client's plaintext extraction of one CalTech-101 image's
 * features through SqueezeNet 1.1 ({@code extract}, reading {@code -Dlola4j.data=DIR}, default
 * {@code ../shared/data}).
 *
 * <p>{@code -p head=caltech101-head} is the shipped 512 -> 101 head; {@code -p head=dense-4096} a
 * 4,096 -> 101 head of random weights, the shape of the paper's AlexNet fc7 head, so that its
 * latency compares with the paper's 0.16 s. Both are compiled on 100 random non-negative
 * unit-length inputs (what pooled, normalised ReLU features are); the time depends on the shapes
 * and levels only.
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar DeepFeaturesBench -p threads=1,2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector", jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class DeepFeaturesBench {

    @Param({"caltech101-head", "dense-4096"})
    public String head;

    @Param({"1"})
    public int threads;

    private ForkJoinPool pool;
    private Parallelism par;
    private Plan plan;
    private SecretKey sk;
    private PublicKey pk;
    private EvaluationKeys evk;
    private EncryptedTensor input;
    private EncryptedTensor output;
    private double[] features;
    private SecureRandom rnd;
    private PooledFeatures extractor;
    private double[] image;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Network net = head.equals("dense-4096") ? randomHead(4096, 101) : ModelRegistry.load(head);
        int d = net.inputShape().size();
        SplittableRandom r = new SplittableRandom(7);
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            cal.add(unitNonNegative(d, r));
        }
        plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal));
        rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(plan.parameters(), rnd);
        sk = kg.secretKey();
        pk = kg.publicKey(sk);
        evk = kg.evaluationKeys(sk, plan.keyRequirements());
        plan.prepare();
        pool = new ForkJoinPool(threads);
        par = threads > 1 ? Parallelism.of(pool) : Parallelism.sequential();
        features = cal.get(0);
        input = encrypt();
        output = plan.evaluate(input, evk, par);
        Path data = Path.of(System.getProperty("lola4j.data", "../shared/data"));
        extractor = PooledFeatures.of(OnnxGraph.load(data.resolve("squeezenet1.1/squeezenet1.1.onnx")),
                "/features/features.12/Concat_output_0", true);
        Caltech101 caltech = Caltech101.open(data.resolve("caltech101"), false);
        image = Caltech101.normalize(caltech.image(Caltech101.entries(Caltech101.Part.TEST).get(0)));
    }

    private static Network randomHead(int in, int out) {
        SplittableRandom r = new SplittableRandom(4096);
        double[] w = new double[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian() / Math.sqrt(in) * 10;
        }
        return Network.of(Shape.of(in), List.of(Dense.of(in, out, w, new double[out])),
                ModelInfo.untrained("dense-4096", "synthetic", 1.0));
    }

    private static double[] unitNonNegative(int d, SplittableRandom r) {
        double[] x = new double[d];
        double n = 0;
        for (int i = 0; i < d; i++) {
            x[i] = r.nextDouble() < 0.1 ? 0 : r.nextDouble();
            n += x[i] * x[i];
        }
        for (int i = 0; i < d; i++) {
            x[i] /= Math.sqrt(n);
        }
        return x;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
    }

    /** The server: the encrypted feature vector to the encrypted scores. */
    @Benchmark
    public EncryptedTensor network() {
        return plan.evaluate(input, evk, par);
    }

    /** The client: encrypt one feature vector with the public key. */
    @Benchmark
    public EncryptedTensor encrypt() {
        return plan.clientPlan().encryptInput(features, pk, rnd);
    }

    /** The client: decrypt the scores. */
    @Benchmark
    public double[] decrypt() {
        return plan.clientPlan().decryptOutput(output, sk);
    }

    /** The client, in plaintext: SqueezeNet 1.1 on one preprocessed image, pooled to 512 features. */
    @Benchmark
    @Warmup(iterations = 3, time = 5)
    @Measurement(iterations = 5, time = 5)
    public double[] extract() {
        return extractor.extract(image);
    }
}
