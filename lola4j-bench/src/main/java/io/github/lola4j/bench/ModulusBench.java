package io.github.lola4j.bench;

import io.github.lola4j.math.Modulus;
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
 * The scalar modular kernels of {@link Modulus} applied along arrays of 4096 residues: the
 * element-wise product by Barrett reduction (what {@code RnsPoly.mul} does per limb) and the
 * product by a constant with Shoup's method, fully reduced and lazy (what scalar multiplication,
 * the NTT butterflies and base conversion do).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class ModulusBench {

    private static final int LENGTH = 4096;

    /** The size of the prime (the NTT-friendly one nearest 2^bits for N = 4096). */
    @Param({"60", "50"})
    public int bits;

    private Modulus m;
    private long[] x;
    private long[] y;
    private long[] z;
    private long w;
    private long wShoup;

    @Setup
    public void setup() {
        long q = Primes.nttPrimesNear(LENGTH, new int[] {bits})[0];
        m = new Modulus(q);
        SplittableRandom rnd = new SplittableRandom(7);
        x = new long[LENGTH];
        y = new long[LENGTH];
        z = new long[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            x[i] = rnd.nextLong(q);
            y[i] = rnd.nextLong(q);
        }
        w = rnd.nextLong(q);
        wShoup = m.shoup(w);
    }

    /** z = x * y mod q element-wise, Barrett reduction of the 128-bit products. */
    @Benchmark
    public long[] barrettMul() {
        Modulus mod = m;
        long[] a = x;
        long[] b = y;
        long[] c = z;
        for (int i = 0; i < c.length; i++) {
            c[i] = mod.mul(a[i], b[i]);
        }
        return c;
    }

    /** z = x * w mod q for a constant w, Shoup's method, output in [0, q). */
    @Benchmark
    public long[] shoupMul() {
        Modulus mod = m;
        long[] a = x;
        long[] c = z;
        long wc = w;
        long wp = wShoup;
        for (int i = 0; i < c.length; i++) {
            c[i] = mod.mulShoup(a[i], wc, wp);
        }
        return c;
    }

    /** z = x * w mod q for a constant w, Shoup's method, lazy output in [0, 2q). */
    @Benchmark
    public long[] shoupMulLazy() {
        Modulus mod = m;
        long[] a = x;
        long[] c = z;
        long wc = w;
        long wp = wShoup;
        for (int i = 0; i < c.length; i++) {
            c[i] = mod.mulShoupLazy(a[i], wc, wp);
        }
        return c;
    }
}
