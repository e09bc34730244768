package io.github.lola4j.bench;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.ParameterPresets;
import io.github.lola4j.ckks.Plaintext;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ring.Parallelism;
import java.security.SecureRandom;
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
 * The public CKKS operations at the top level of each parameter set, single-threaded and with a
 * two-thread pool. Sets: {@code seal8192} = SEAL's N = 8192 example (60,40,40 | 60);
 * {@code seal16384} = SEAL's reference layout at N = 16384 (60,40x6 | 60, one digit per prime);
 * {@code hybrid16384} = lola4j's preset (60,40x6 | 61,61, dnum 4).
 *
 * <p>Run: {@code java -jar lola4j-bench/target/benchmarks.jar CkksBench} (add {@code -p threads=2} for the
 * limb-parallel evaluator).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed, pre-touched heap: otherwise the first seconds of every fork are spent faulting in fresh
// heap pages for the megabytes each N = 16384 operation allocates (measured: up to 30x slower).
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector", jvmArgsAppend = {"-Xms6g", "-Xmx6g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class CkksBench {

    @Param({"seal8192", "seal16384", "hybrid16384"})
    public String set;

    /**
     * The level of the operands (-1: the top level); key switches get cheaper with every level
     * down. At level 0 only the operations without a product or rescale run (rotate, add, ...).
     */
    @Param({"-1"})
    public int level;

    @Param({"1"})
    public int threads;

    private ForkJoinPool pool;
    private CkksParameters params;
    private KeyGenerator keygen;
    private SecretKey sk;
    private Encoder encoder;
    private Encryptor encryptor;
    private Decryptor decryptor;
    private Evaluator evaluator;
    private double[] values;
    private Plaintext plain;
    private Ciphertext x;
    private Ciphertext y;
    private Ciphertext product;
    private int[] hoistedSteps;
    private Ciphertext[] sumTerms;
    private Plaintext[] sumWeights;

    static CkksParameters parameters(String set) {
        switch (set) {
            case "seal8192":
                return CkksParameters.builder().ringDegree(8192).primeBits(60, 40, 40).specialPrimeBits(60).scaleBits(40).build();
            case "seal16384":
                return CkksParameters.builder().ringDegree(16384).primeBits(60, 40, 40, 40, 40, 40, 40).specialPrimeBits(60)
                        .dnum(7).scaleBits(40).build();
            case "seal32768": {
                int[] bits = new int[15];
                java.util.Arrays.fill(bits, 50);
                bits[0] = 60;
                return CkksParameters.builder().ringDegree(32768).primeBits(bits).specialPrimeBits(60).dnum(15).scaleBits(40)
                        .build();
            }
            case "hybrid16384":
                return ParameterPresets.n16384Depth6();
            default:
                throw new IllegalArgumentException("unknown set " + set);
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        params = parameters(set);
        SecureRandom rnd = new SecureRandom();
        keygen = new KeyGenerator(params, rnd);
        sk = keygen.secretKey();
        hoistedSteps = new int[] {1, 2, 3, 4, 5, 6, 7, 8};
        EvaluationKeys evk = keygen.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(hoistedSteps));
        pool = threads > 1 ? new ForkJoinPool(threads) : null;
        evaluator = new Evaluator(params, evk, pool == null ? Parallelism.sequential() : Parallelism.of(pool));
        encoder = new Encoder(params);
        encryptor = new Encryptor(keygen.publicKey(sk), rnd);
        decryptor = new Decryptor(sk);
        values = new double[params.slots()];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextDouble(-1, 1);
        }
        if (level > params.maxLevel()) {
            throw new IllegalArgumentException("level " + level + " is above the set's top level " + params.maxLevel());
        }
        int at = level < 0 ? params.maxLevel() : level;
        plain = encoder.encode(values, at, params.defaultScale());
        x = encryptor.encrypt(plain);
        y = encryptor.encrypt(plain);
        // At the bottom level a product's scale (2^80) exceeds the one prime left: the product-based
        // benchmarks then fail with the evaluator's message, the others run.
        product = at > 0 ? evaluator.multiply(x, y) : null;
        // Sixteen separately encoded plaintexts (equal values, distinct rows), so that the sum streams
        // sixteen weight polynomials from memory as a linear layer does, not one from the cache.
        sumTerms = new Ciphertext[16];
        sumWeights = new Plaintext[16];
        for (int t = 0; t < sumTerms.length; t++) {
            sumTerms[t] = t % 2 == 0 ? x : y;
            sumWeights[t] = encoder.encode(values, at, params.defaultScale()).productForm();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Benchmark
    public Plaintext encode() {
        return encoder.encode(values);
    }

    @Benchmark
    public Ciphertext encryptPublicKey() {
        return encryptor.encrypt(plain);
    }

    @Benchmark
    public double[] decryptDecode() {
        return encoder.decode(decryptor.decrypt(x));
    }

    @Benchmark
    public Ciphertext add() {
        return evaluator.add(x, y);
    }

    @Benchmark
    public Ciphertext multiplyPlain() {
        return evaluator.multiplyPlain(x, plain);
    }

    /** A linear layer's inner loop: 16 ciphertext x plaintext products summed, reduced once. */
    @Benchmark
    public Ciphertext multiplyPlainAndSum16() {
        return evaluator.multiplyPlainAndSum(sumTerms, sumWeights);
    }

    @Benchmark
    public Ciphertext multiplyNoRelin() {
        return evaluator.multiply(x, y);
    }

    @Benchmark
    public Ciphertext relinearize() {
        if (product == null) {
            throw new IllegalStateException("relinearize needs a ciphertext product, which does not fit at level 0");
        }
        return evaluator.relinearize(product);
    }

    @Benchmark
    public Ciphertext rescale() {
        return evaluator.rescale(x);
    }

    @Benchmark
    public Ciphertext rotate() {
        return evaluator.rotate(x, 1);
    }

    @Benchmark
    public Ciphertext[] rotateHoisted8() {
        return evaluator.rotateHoisted(x, hoistedSteps);
    }

    @Benchmark
    public Object keygenRelinearization() {
        return keygen.relinearizationKey(sk);
    }

    @Benchmark
    public Object keygenGalois() {
        return keygen.galoisKey(sk, 5);
    }
}
