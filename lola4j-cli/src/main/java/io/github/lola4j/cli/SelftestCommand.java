package io.github.lola4j.cli;

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
import io.github.lola4j.ckks.PrecisionStats;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.math.BaseConverter;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.math.NttTables;
import io.github.lola4j.math.Primes;
import io.github.lola4j.math.RnsBasis;
import io.github.lola4j.math.Sampler;
import io.github.lola4j.math.Simd;
import java.io.PrintStream;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code selftest}: checks the arithmetic core and the CKKS scheme against independent reference
 * computations and prints what it verified. Exit code 0 when everything holds, 1 otherwise.
 */
final class SelftestCommand implements Command {

    private record Check(String name, boolean ok, String detail) {
    }

    @Override
    public Spec spec() {
        return Spec.of("selftest", "verify modular arithmetic, NTT, RNS, samplers and CKKS against reference math")
                .synopsis("lola4j selftest [--json]")
                .description("Runs known-answer and reference checks of the arithmetic core (modular arithmetic against",
                        "BigInteger, NTT products against the schoolbook product, RNS reconstruction and base",
                        "conversion, sampler statistics) and of CKKS at 128-bit security (encryption, multiplication,",
                        "relinearization, rescaling and rotation against plaintext math), printing each result.")
                .flag("json", "also print a final line with one JSON object {\"checks\":N,\"failed\":N,...}")
                .footer("exit code: 0 when every check holds, 1 otherwise.");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) {
        long start = System.nanoTime();
        out.printf("NTT kernels: %s%n", Simd.description());
        List<Check> checks = new ArrayList<>();
        checks.add(modularArithmetic());
        checks.add(nttProduct());
        checks.add(nttRoundTrips());
        checks.add(rnsReconstruction());
        checks.add(samplerMoments());
        checks.addAll(ckks());
        int failed = 0;
        for (Check c : checks) {
            out.printf("%-4s %-44s %s%n", c.ok ? "ok" : "FAIL", c.name, c.detail);
            if (!c.ok) {
                failed++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%d checks, %d failed, %.1f s%n", checks.size(), failed, seconds);
        if (o.has("json")) {
            out.printf("{\"checks\":%d,\"failed\":%d,\"seconds\":%.2f,\"vector_ntt\":%b}%n", checks.size(), failed,
                    seconds, Simd.enabled());
        }
        return failed == 0 ? 0 : 1;
    }

    private static Check modularArithmetic() {
        long[] primes = {Primes.nttPrimesNear(8192, new int[] {61})[0], (1L << 61) - 1, 1099511922689L, 65537};
        SplittableRandom r = new SplittableRandom(1);
        int n = 0;
        for (long q : primes) {
            Modulus m = new Modulus(q);
            BigInteger bq = BigInteger.valueOf(q);
            for (int i = 0; i < 20_000; i++) {
                long a = i < 3 ? new long[] {0, 1, q - 1}[i] : r.nextLong(q);
                long b = r.nextLong(q);
                long expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(bq).longValue();
                if (m.mul(a, b) != expected || m.mulShoup(a, b, m.shoup(b)) != expected) {
                    return new Check("modular multiplication vs BigInteger", false, "q=" + q + " a=" + a + " b=" + b);
                }
                n++;
            }
        }
        return new Check("modular multiplication vs BigInteger", true, n + " Barrett and Shoup products, 4 moduli up to 61 bits");
    }

    private static Check nttProduct() {
        int n = 512;
        long q = Primes.nttPrimesNear(n, new int[] {59})[0];
        Modulus m = new Modulus(q);
        NttTables t = new NttTables(n, m);
        SplittableRandom r = new SplittableRandom(2);
        long[] a = new long[n];
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextLong(q);
            b[i] = r.nextLong(q);
        }
        BigInteger bq = BigInteger.valueOf(q);
        BigInteger[] acc = new BigInteger[n];
        java.util.Arrays.fill(acc, BigInteger.ZERO);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                BigInteger p = BigInteger.valueOf(a[i]).multiply(BigInteger.valueOf(b[j]));
                acc[(i + j) % n] = i + j < n ? acc[i + j].add(p) : acc[i + j - n].subtract(p);
            }
        }
        long[] fa = a.clone();
        long[] fb = b.clone();
        Ntt.forward(fa, t);
        Ntt.forward(fb, t);
        for (int i = 0; i < n; i++) {
            fa[i] = m.mul(fa[i], fb[i]);
        }
        Ntt.inverse(fa, t);
        for (int i = 0; i < n; i++) {
            if (fa[i] != acc[i].mod(bq).longValue()) {
                return new Check("NTT product vs schoolbook (N=512)", false, "coefficient " + i + " differs");
            }
        }
        return new Check("NTT product vs schoolbook (N=512)", true, "negacyclic product exact mod a 59-bit prime");
    }

    private static Check nttRoundTrips() {
        SplittableRandom r = new SplittableRandom(3);
        for (int logN = 10; logN <= 17; logN++) {
            int n = 1 << logN;
            long q = Primes.nttPrimesNear(n, new int[] {60})[0];
            NttTables t = new NttTables(n, new Modulus(q));
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextLong(q);
            }
            long[] f = a.clone();
            Ntt.forward(f, t);
            Ntt.inverse(f, t);
            if (!java.util.Arrays.equals(a, f)) {
                return new Check("NTT inverse(forward(a)) = a", false, "N=2^" + logN);
            }
        }
        return new Check("NTT inverse(forward(a)) = a", true, "N = 2^10 .. 2^17, 60-bit primes");
    }

    private static Check rnsReconstruction() {
        long[] qs = Primes.nttPrimesNear(4096, new int[] {60, 40, 40, 40});
        long[] ps = Primes.nttPrimesNear(4096, new int[] {61, 61}, qs);
        RnsBasis from = new RnsBasis(qs);
        RnsBasis to = new RnsBasis(ps);
        BaseConverter conv = new BaseConverter(from, to);
        java.util.Random r = new java.util.Random(4);
        int n = 64;
        BigInteger[] xs = new BigInteger[n];
        long[][] in = new long[qs.length][n];
        for (int c = 0; c < n; c++) {
            xs[c] = new BigInteger(from.product().bitLength() + 8, r).mod(from.product());
            long[] res = from.decompose(xs[c]);
            if (!from.reconstruct(res).equals(xs[c])) {
                return new Check("RNS CRT and base conversion", false, "CRT round trip failed");
            }
            for (int i = 0; i < qs.length; i++) {
                in[i][c] = res[i];
            }
        }
        long[][] out = new long[ps.length][n];
        conv.convertCentered(in, out);
        for (int c = 0; c < n; c++) {
            BigInteger centered = xs[c].compareTo(from.product().shiftRight(1)) >= 0 ? xs[c].subtract(from.product()) : xs[c];
            for (int j = 0; j < ps.length; j++) {
                if (centered.mod(BigInteger.valueOf(ps[j])).longValue() != out[j][c]) {
                    return new Check("RNS CRT and base conversion", false, "coefficient " + c + " prime " + j);
                }
            }
        }
        return new Check("RNS CRT and base conversion", true, "220-bit basis to 2 x 61-bit primes, exact centered lift");
    }

    private static Check samplerMoments() {
        Sampler s = new Sampler(new SecureRandom());
        long[] e = s.gaussian(200_000);
        double sum = 0;
        double sq = 0;
        long max = 0;
        for (long v : e) {
            sum += v;
            sq += (double) v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / e.length;
        double sd = Math.sqrt(sq / e.length - mean * mean);
        boolean ok = Math.abs(mean) < 0.05 && Math.abs(sd - 3.2) < 0.05 && max <= Sampler.GAUSSIAN_BOUND;
        return new Check("discrete Gaussian sampler", ok, String.format("mean %.4f, sd %.4f (3.2), max |e| %d", mean, sd, max));
    }

    private static List<Check> ckks() {
        List<Check> checks = new ArrayList<>();
        CkksParameters params = ParameterPresets.n16384Depth6();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(params, rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(1, -7));
        Encoder enc = new Encoder(params);
        Encryptor encryptor = new Encryptor(kg.publicKey(sk), rnd);
        Decryptor dec = new Decryptor(sk);
        Evaluator ev = new Evaluator(params, evk);
        SplittableRandom r = new SplittableRandom(5);
        int slots = params.slots();
        double[] x = new double[slots];
        double[] y = new double[slots];
        for (int i = 0; i < slots; i++) {
            x[i] = r.nextDouble(-1, 1);
            y[i] = r.nextDouble(-1, 1);
        }
        String where = "N=16384, 128-bit, log2 error";
        Ciphertext cx = encryptor.encrypt(enc.encode(x));
        Ciphertext cy = encryptor.encrypt(enc.encode(y));
        PrecisionStats fresh = PrecisionStats.compare(x, enc.decode(dec.decrypt(cx)));
        checks.add(new Check("CKKS fresh public-key encryption (scale 2^40)", fresh.maxError() < 0x1p-24,
                String.format("%s max %.1f (bound -24)", where, fresh.maxLog2Error())));
        double[] prod = new double[slots];
        for (int i = 0; i < slots; i++) {
            prod[i] = x[i] * y[i];
        }
        PrecisionStats mul = PrecisionStats.compare(prod, enc.decode(dec.decrypt(ev.rescale(ev.multiplyRelin(cx, cy)))));
        checks.add(new Check("CKKS multiply + relinearize + rescale", mul.maxError() < 0x1p-20,
                String.format("%s max %.1f (bound -20)", where, mul.maxLog2Error())));
        double[] rot = new double[slots];
        for (int i = 0; i < slots; i++) {
            rot[i] = x[Math.floorMod(i - 7, slots)];
        }
        PrecisionStats rs = PrecisionStats.compare(rot, enc.decode(dec.decrypt(ev.rotate(cx, -7))));
        checks.add(new Check("CKKS rotation by -7 (hybrid key switching)", rs.maxError() < 0x1p-20,
                String.format("%s max %.1f (bound -20)", where, rs.maxLog2Error())));
        boolean refused;
        try {
            CkksParameters.builder().ringDegree(8192).primeBits(60, 60, 60).specialPrimeBits(60).scaleBits(40).build();
            refused = false;
        } catch (IllegalArgumentException e) {
            refused = e.getMessage().contains("exceeds the 218 bits");
        }
        checks.add(new Check("weak parameters refused", refused, "N=8192 with log2(QP)=240 > 218 rejected"));
        return checks;
    }
}
