package io.github.lola4j.bench;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.math.NttTables;
import io.github.lola4j.math.Primes;
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
 * The single-prime negacyclic NTT, the raw kernel on one limb (compare SEAL's
 * {@code native/bench/ntt.cpp}: one prime, in place, the same array transformed again and again).
 *
 * <p>Every variant maps its own output range into its own input range ([0, q) for the full ones,
 * [0, 4q) and [0, 2q) for the lazy ones), so the array is transformed in place at each call with
 * no copy inside the timed region. The running time does not depend on the data (the butterflies
 * are branch-free).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class NttBench {

    /** log2 of the ring degree N. */
    @Param({"12", "13", "14", "15"})
    public int logN;

    /** The size of the prime: the one nearest 2^bits with q = 1 (mod 2N). */
    @Param({"60", "50"})
    public int bits;

    private NttTables tables;
    private long[] a;

    @Setup
    public void setup() {
        int n = 1 << logN;
        long q = Primes.nttPrimesNear(n, new int[] {bits})[0];
        tables = new NttTables(n, new Modulus(q));
        SplittableRandom rnd = new SplittableRandom(42);
        a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(q);
        }
    }

    @Benchmark
    public long[] forward() {
        Ntt.forward(a, tables);
        return a;
    }

    @Benchmark
    public long[] inverse() {
        Ntt.inverse(a, tables);
        return a;
    }

    @Benchmark
    public long[] forwardLazy() {
        Ntt.forwardLazy(a, tables);
        return a;
    }

    @Benchmark
    public long[] inverseLazy() {
        Ntt.inverseLazy(a, tables);
        return a;
    }
}
