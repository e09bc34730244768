package io.github.lola4j.service;

import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The prediction service over loopback, server and client in one JVM: {@code session} is what a
 * user waits for (encrypt, POST /v1/predict, evaluate, answer, decrypt), {@code request} the
 * request alone with an input encrypted beforehand (HTTP, parsing, evaluation, serialization).
 * Compare with {@code LolaBench.network} for the protocol's overhead.
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar ServiceBench -p threads=1,2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector", jvmArgsAppend = {"-Xms8g", "-Xmx8g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class ServiceBench {

    @Param({"lola", "lola-small"})
    public String model;

    /** The server's evaluation threads. */
    @Param({"2"})
    public int threads;

    private PredictionServer server;
    private ClientSession session;
    private PredictionClient client;
    private EncryptedTensor input;
    private KeyId keyId;
    private double[] image;
    private KeysDigest keysDigest;

    @Setup
    public void setUp() throws IOException {
        Network net = ModelRegistry.load(model);
        LabeledImages sample = Mnist.embeddedSample();
        List<double[]> cal = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            cal.add(net.input(sample, i));
        }
        Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal));
        server = PredictionServer.start(List.of(HostedModel.of(model, plan)), new PredictionServer.Config()
                .bind(new InetSocketAddress("127.0.0.1", 0)).threads(threads).maxConcurrent(1)
                .log(new PrintStream(new ByteArrayOutputStream())));
        client = new PredictionClient(server.uri(), null, Duration.ofMinutes(5));
        SecureRandom rnd = new SecureRandom();
        session = ClientSession.open(client, model, null, rnd, false);
        image = net.input(sample, 0);
        io.github.lola4j.ckks.KeyGenerator kg = new io.github.lola4j.ckks.KeyGenerator(plan.parameters(), rnd);
        io.github.lola4j.ckks.SecretKey sk = kg.secretKey();
        PredictionClient.Registration registration = client.registerKeys(model, kg.evaluationKeys(sk, plan.keyRequirements()));
        keyId = registration.keyId();
        keysDigest = registration.keysDigest();
        input = plan.clientPlan().encryptInput(image, sk, rnd);
    }

    @TearDown
    public void tearDown() {
        server.close();
    }

    /** Encrypt, call, evaluate, answer, decrypt. */
    @Benchmark
    public int session() throws IOException {
        return session.predict(image).prediction();
    }

    /** One request with a ready ciphertext: HTTP, parsing, evaluation, serialization. */
    @Benchmark
    public EncryptedTensor request() throws IOException {
        return client.predict(model, keyId, keysDigest, session.plan(), input).output();
    }
}
