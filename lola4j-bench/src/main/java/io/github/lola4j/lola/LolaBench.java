package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Cifar10;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
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
 * One image through a shipped network, encrypted at 128-bit security, compiled as the CLI
 * compiles it (MNIST models calibrated on the jar's 100 embedded MNIST images, {@code lola-cifar}
 * on the first 100 CIFAR-10 test images, read from {@code -Dlola4j.data=DIR}, default
 * {@code ../shared/data}): the server's evaluation end to end ({@code network}), each step of the plan
 * ({@code step}, with {@code -p step=K}), and the client's work (encryption, decryption, key
 * generation). {@code -p mode=dense} compiles LoLa-Dense (the image in one ciphertext), {@code
 * -p mode=batch} the SIMD batch mode (one image per slot, a full batch per operation).
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar LolaBench -p threads=1,2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector", jvmArgsAppend = {"-Xms8g", "-Xmx8g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class LolaBench {

    @Param({"lola", "lola-small"})
    public String model;

    @Param({"1"})
    public int threads;

    /** {@code latency} (the compiler's choice of input layout), {@code dense} (LoLa-Dense) or {@code batch}. */
    @Param({"latency"})
    public String mode;

    /** A step index for {@link #step()}, or -1 (then {@code step} runs the last step). */
    @Param({"-1"})
    public int step;

    private ForkJoinPool pool;
    private Parallelism par;
    private Plan plan;
    private Network net;
    private SecretKey sk;
    private PublicKey pk;
    private KeyGenerator keygen;
    private EvaluationKeys evk;
    private EncryptedTensor input;
    private EncryptedTensor output;
    private double[] image;
    private List<double[]> batch;
    private SecureRandom rnd;
    private CipherSlots ops;
    private Kernel stepKernel;
    private List<Ciphertext> stepInput;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        net = ModelRegistry.load(model);
        LabeledImages sample = net.info().dataset().equals("cifar10")
                ? Cifar10.loadTestSet(Path.of(System.getProperty("lola4j.data", "../shared/data"), "cifar10")).subset(0, 100)
                : Mnist.embeddedSample();
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            cal.add(net.input(sample, i));
        }
        CompileOptions options;
        switch (mode) {
            case "latency":
                options = CompileOptions.lowLatency();
                break;
            case "dense":
                options = CompileOptions.lowLatency().withInput(InputLayout.DENSE);
                break;
            case "batch":
                options = CompileOptions.batch();
                break;
            default:
                throw new IllegalArgumentException("mode " + mode + ": expected latency, dense or batch");
        }
        plan = LolaCompiler.compile(net, options.withCalibration(cal));
        rnd = new SecureRandom();
        keygen = new KeyGenerator(plan.parameters(), rnd);
        sk = keygen.secretKey();
        pk = keygen.publicKey(sk);
        evk = keygen.evaluationKeys(sk, plan.keyRequirements());
        plan.prepare();
        pool = new ForkJoinPool(threads);
        par = threads > 1 ? Parallelism.of(pool) : Parallelism.sequential();
        image = net.input(sample, 0);
        if (plan.isBatch()) {
            batch = new ArrayList<>();
            for (int i = 0; i < plan.batchSize(); i++) {
                batch.add(cal.get(i % cal.size()));
            }
        }
        input = encrypt();
        Plan.Trace trace = plan.evaluateTrace(input, evk, par);
        output = trace.output();
        int k = step < 0 ? plan.steps().size() - 1 : step;
        if (k >= plan.steps().size()) {
            throw new IllegalArgumentException(model + " has " + plan.steps().size() + " steps, no step " + k);
        }
        stepKernel = plan.steps().get(k).kernel();
        stepInput = k == 0 ? input.ciphertexts() : trace.steps().get(k - 1).ciphertexts();
        ops = new CipherSlots(plan.parameters(), evk, new io.github.lola4j.ckks.Encoder(plan.parameters()), par);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
    }

    /** The server: encrypted input to encrypted output. */
    @Benchmark
    public EncryptedTensor network() {
        return plan.evaluate(input, evk, par);
    }

    /** One step of the plan on its encrypted input. */
    @Benchmark
    public List<Ciphertext> step() {
        return stepKernel == null ? stepInput : stepKernel.apply(ops, stepInput);
    }

    /** The client: lay out and encrypt one image (a whole batch in batch mode) with the public key. */
    @Benchmark
    public EncryptedTensor encrypt() {
        return batch != null ? plan.clientPlan().encryptBatch(batch, pk, rnd) : plan.clientPlan().encryptInput(image, pk, rnd);
    }

    /** The client: decrypt and decode the scores (of every image of the batch in batch mode). */
    @Benchmark
    public double[][] decrypt() {
        return batch != null ? plan.clientPlan().decryptBatch(output, sk, batch.size()) : new double[][] {plan.clientPlan().decryptOutput(output, sk)};
    }

    /** The client: the evaluation keys the plan needs. */
    @Benchmark
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 2)
    public EvaluationKeys keys() {
        return keygen.evaluationKeys(sk, plan.keyRequirements());
    }
}
