package io.github.lola4j.bench;

import io.github.lola4j.math.BaseConverter;
import io.github.lola4j.math.Primes;
import io.github.lola4j.math.RnsBasis;
import java.util.Arrays;
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
 * Fast base conversion at N = 16384: from 4 primes to 1 (the shape of a rescale or ModDown with
 * one special prime) and from 8 primes to 2 (a ModUp of one digit of hybrid key switching).
 * Source primes are 40-bit, target primes 60-bit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class BaseConverterBench {

    private static final int N = 16384;

    /** "from x to": the number of source and target primes. */
    @Param({"4x1", "8x2"})
    public String shape;

    private BaseConverter converter;
    private long[][] in;
    private long[][] out;

    @Setup
    public void setup() {
        String[] parts = shape.split("x");
        int k = Integer.parseInt(parts[0]);
        int l = Integer.parseInt(parts[1]);
        int[] fromBits = new int[k];
        Arrays.fill(fromBits, 40);
        int[] toBits = new int[l];
        Arrays.fill(toBits, 60);
        long[] fromPrimes = Primes.nttPrimesNear(N, fromBits);
        long[] toPrimes = Primes.nttPrimesNear(N, toBits, fromPrimes);
        RnsBasis from = new RnsBasis(fromPrimes);
        RnsBasis to = new RnsBasis(toPrimes);
        converter = new BaseConverter(from, to);
        SplittableRandom rnd = new SplittableRandom(13);
        in = new long[k][N];
        for (int i = 0; i < k; i++) {
            for (int c = 0; c < N; c++) {
                in[i][c] = rnd.nextLong(fromPrimes[i]);
            }
        }
        out = new long[l][N];
    }

    @Benchmark
    public long[][] convert() {
        converter.convert(in, out);
        return out;
    }
}
