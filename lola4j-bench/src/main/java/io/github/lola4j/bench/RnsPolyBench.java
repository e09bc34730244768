package io.github.lola4j.bench;

import io.github.lola4j.math.Primes;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
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
 * The public limb-wise operations of {@link RnsPoly}, one polynomial of several limbs: the
 * public-call height of the kernels that {@link NttBench} and {@link ModulusBench} time on one limb.
 *
 * <p>The primes follow SEAL-REFERENCE's parameter sets: 60,40,40,60 at N = 8192 and 60,40x6,60 at
 * N = 16384, as NTT-friendly primes near those powers of two.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class RnsPolyBench {

    /** "logN x limbs". */
    @Param({"13x4", "14x8"})
    public String shape;

    /** Galois element of the rotation by one slot, 5 (X -&gt; X^5). */
    private static final long GALOIS_ROTATE_1 = 5;

    private RnsPoly a;
    private RnsPoly b;
    private RnsPoly out;
    private RnsPoly coeff;

    @Setup
    public void setup() {
        String[] parts = shape.split("x");
        int n = 1 << Integer.parseInt(parts[0]);
        int limbs = Integer.parseInt(parts[1]);
        int[] bits = new int[limbs];
        java.util.Arrays.fill(bits, 40);
        bits[0] = 60;
        bits[limbs - 1] = 60;
        RnsRing ring = RnsRing.create(n, Primes.nttPrimesNear(n, bits));
        SplittableRandom rnd = new SplittableRandom(11);
        a = random(ring, rnd);
        b = random(ring, rnd);
        coeff = random(ring, rnd);
        out = new RnsPoly(ring, true);
    }

    private static RnsPoly random(RnsRing ring, SplittableRandom rnd) {
        RnsPoly p = new RnsPoly(ring, true);
        for (int i = 0; i < ring.limbs(); i++) {
            long q = ring.modulus(i).value();
            long[] row = p.limb(i);
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextLong(q);
            }
        }
        return p;
    }

    /** out = a + b. */
    @Benchmark
    public RnsPoly add() {
        a.add(b, out);
        return out;
    }

    /** out = a * b in NTT form (Barrett product per coefficient). */
    @Benchmark
    public RnsPoly mulNtt() {
        a.mul(b, out);
        return out;
    }

    /** Forward NTT of every limb, in place (the form flag is reset first, which costs nothing). */
    @Benchmark
    public RnsPoly toNtt() {
        coeff.setNtt(false);
        coeff.toNtt();
        return coeff;
    }

    /** Inverse NTT of every limb, in place. */
    @Benchmark
    public RnsPoly toCoeff() {
        coeff.setNtt(true);
        coeff.toCoeff();
        return coeff;
    }

    /** out = a(X^5) in NTT form: a permutation of each limb (the rotation by one slot, before key switching). */
    @Benchmark
    public RnsPoly automorphismNtt() {
        a.automorphism(GALOIS_ROTATE_1, out);
        return out;
    }
}
