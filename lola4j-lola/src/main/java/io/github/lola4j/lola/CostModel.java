package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.Plaintext;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.format.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Seconds per homomorphic operation on this machine, by ring degree and limb count (level + 1),
 * single thread: what the compiler prices candidate plans with. The parameter layout is the one the
 * compiler chooses (one special prime, one key-switching digit per prime).
 *
 * <p>Times are measured by {@link #measure}, kept in a small text table (one line per ring degree,
 * operation and limb count) and interpolated linearly between the measured limb counts. The table
 * shipped in the jar was measured on the project's build machine; {@link #load()} prefers a table
 * the user refreshed ({@code lola4j calibrate}, written to {@link #userTable()}). Immutable.
 */
public final class CostModel {

    /** The table shipped in the jar. */
    static final String RESOURCE = "/io/github/lola4j/lola/cost-model.tsv";

    /**
     * Operations whose one-limb time is a stand-in, not a measurement of the operation ({@link #measure}:
     * nothing rescales at level 0, and its constant products are timed as plaintext products); the
     * curves leave those points out.
     */
    private static final Set<OpCounts.Op> STAND_IN_AT_ONE_LIMB = EnumSet.of(OpCounts.Op.RESCALE,
            OpCounts.Op.CONST_PRODUCT, OpCounts.Op.DEGREE2_CONST_PRODUCT);

    private final Map<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> table;
    private final String source;

    private CostModel(Map<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> table, String source) {
        this.table = table;
        this.source = source;
    }

    /** Where the times come from (the file, or "built-in table ..."). */
    public String source() {
        return source;
    }

    /** The ring degrees the table covers. */
    public int[] ringDegrees() {
        return table.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The file {@code lola4j calibrate} writes: {@code ~/.cache/lola4j/cost-model.tsv}. */
    public static Path userTable() {
        return Path.of(System.getProperty("user.home"), ".cache", "lola4j", "cost-model.tsv");
    }

    /**
     * The user's refreshed table when one exists and is readable, else the built-in one.
     *
     * @return the model
     */
    public static CostModel load() {
        Path user = userTable();
        if (Files.isRegularFile(user)) {
            try {
                return read(user);
            } catch (IOException | IllegalArgumentException e) {
                // A damaged cache must not stop compilation; the built-in table is a sound estimate.
                return builtIn().withSource("built-in table (" + user + " unreadable: " + e.getMessage() + ")");
            }
        }
        return builtIn();
    }

    /** The table shipped in the jar. */
    public static CostModel builtIn() {
        try (InputStream in = CostModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in cost table " + RESOURCE + " is missing from the jar");
            }
            return parse(in, "built-in table");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a table.
     *
     * @param file the file
     * @return the model
     * @throws IOException when it cannot be read or is malformed (the message names the line)
     */
    public static CostModel read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    private CostModel withSource(String s) {
        return new CostModel(table, s);
    }

    private static CostModel parse(InputStream in, String source) throws IOException {
        Map<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> t = new TreeMap<>();
        String header = null;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int no = 0;
        while ((line = r.readLine()) != null) {
            no++;
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                if (header == null && line.startsWith("# measured")) {
                    header = line.substring(2);
                }
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 4) {
                throw new IOException(source + " line " + no + ": expected 'ringDegree op limbs seconds', got '" + line + "'");
            }
            try {
                int n = Integer.parseInt(f[0]);
                OpCounts.Op op = OpCounts.Op.valueOf(f[1]);
                int limbs = Integer.parseInt(f[2]);
                double s = Double.parseDouble(f[3]);
                if (n < 1024 || Integer.bitCount(n) != 1 || limbs < 1 || !(s >= 0) || Double.isInfinite(s)) {
                    throw new IOException(source + " line " + no + ": value out of range in '" + line + "'");
                }
                t.computeIfAbsent(n, k -> new EnumMap<>(OpCounts.Op.class)).computeIfAbsent(op, k -> new TreeMap<>()).put(limbs, s);
            } catch (IllegalArgumentException e) {
                throw new IOException(source + " line " + no + ": " + e.getMessage(), e);
            }
        }
        boolean derived = false;
        for (Map<OpCounts.Op, TreeMap<Integer, Double>> byOp : t.values()) {
            derived |= deriveLazyProducts(byOp);
        }
        for (Map.Entry<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> e : t.entrySet()) {
            for (OpCounts.Op op : OpCounts.Op.values()) {
                if (!e.getValue().containsKey(op)) {
                    throw new IOException(source + ": ring degree " + e.getKey() + " has no times for " + op);
                }
            }
        }
        if (t.isEmpty()) {
            throw new IOException(source + ": no times");
        }
        String note = derived ? "; unrelinearized products estimated from the other times" : "";
        return new CostModel(t, (header == null ? source : source + " (" + header) + note + (header == null ? "" : ")"));
    }

    /**
     * Tables written before the lazily relinearized products existed lack their times; they are
     * estimated from the others: a product without relinearization does the four polynomial
     * products of two plaintext products, a relinearization is the rest of a relinearized product,
     * and a constant product of a degree-2 ciphertext multiplies three polynomials instead of two.
     *
     * @return whether anything was estimated
     */
    private static boolean deriveLazyProducts(Map<OpCounts.Op, TreeMap<Integer, Double>> byOp) {
        TreeMap<Integer, Double> plain = byOp.get(OpCounts.Op.PLAIN_PRODUCT);
        TreeMap<Integer, Double> cipher = byOp.get(OpCounts.Op.CIPHER_PRODUCT);
        TreeMap<Integer, Double> constant = byOp.get(OpCounts.Op.CONST_PRODUCT);
        if (plain == null || cipher == null || constant == null) {
            return false;
        }
        boolean derived = false;
        if (!byOp.containsKey(OpCounts.Op.TENSOR_PRODUCT)) {
            TreeMap<Integer, Double> m = new TreeMap<>();
            plain.forEach((limbs, s) -> m.put(limbs, 2 * s));
            byOp.put(OpCounts.Op.TENSOR_PRODUCT, m);
            derived = true;
        }
        if (!byOp.containsKey(OpCounts.Op.RELINEARIZATION)) {
            TreeMap<Integer, Double> tensor = byOp.get(OpCounts.Op.TENSOR_PRODUCT);
            TreeMap<Integer, Double> m = new TreeMap<>();
            cipher.forEach((limbs, s) -> m.put(limbs, Math.max(0.5 * s, s - tensor.getOrDefault(limbs, 0.0))));
            byOp.put(OpCounts.Op.RELINEARIZATION, m);
            derived = true;
        }
        if (!byOp.containsKey(OpCounts.Op.DEGREE2_CONST_PRODUCT)) {
            TreeMap<Integer, Double> m = new TreeMap<>();
            constant.forEach((limbs, s) -> m.put(limbs, 1.5 * s));
            byOp.put(OpCounts.Op.DEGREE2_CONST_PRODUCT, m);
            derived = true;
        }
        return derived;
    }

    /**
     * Seconds for one operation.
     *
     * @param op         the operation
     * @param ringDegree N
     * @param level      the level it runs at
     * @return the time, single thread
     * @throws IllegalArgumentException for a ring degree the table does not cover
     */
    public double seconds(OpCounts.Op op, int ringDegree, int level) {
        Map<OpCounts.Op, TreeMap<Integer, Double>> byOp = table.get(ringDegree);
        if (byOp == null) {
            throw new IllegalArgumentException("the cost model (" + source + ") has no times for N = " + ringDegree
                    + "; run lola4j calibrate");
        }
        TreeMap<Integer, Double> pts = byOp.get(op);
        int limbs = level + 1;
        Map.Entry<Integer, Double> lo = pts.floorEntry(limbs);
        Map.Entry<Integer, Double> hi = pts.ceilingEntry(limbs);
        if (lo != null && lo.getKey() == limbs) {
            return lo.getValue();
        }
        if (lo == null) {
            return hi.getValue() * limbs / hi.getKey();
        }
        if (hi == null) {
            Map.Entry<Integer, Double> prev = pts.lowerEntry(lo.getKey());
            if (prev == null) {
                return lo.getValue() * limbs / lo.getKey();
            }
            double slope = (lo.getValue() - prev.getValue()) / (lo.getKey() - prev.getKey());
            return lo.getValue() + Math.max(0, slope) * (limbs - lo.getKey());
        }
        double f = (double) (limbs - lo.getKey()) / (hi.getKey() - lo.getKey());
        return lo.getValue() + f * (hi.getValue() - lo.getValue());
    }

    /**
     * Seconds for a record of operations.
     *
     * @param counts     the operations by level
     * @param ringDegree N
     * @return the time, single thread
     */
    public double seconds(OpCounts counts, int ringDegree) {
        double s = 0;
        int max = counts.maxLevel();
        for (OpCounts.Op op : OpCounts.Op.values()) {
            for (int l = 0; l <= max; l++) {
                long c = counts.count(op, l);
                if (c != 0) {
                    s += c * seconds(op, ringDegree, l);
                }
            }
        }
        return s;
    }

    /**
     * The cost of one hoisted step relative to a rotation at a level (for the baby-step choice).
     *
     * @param ringDegree N
     * @param level      the level
     * @return a ratio in (0, 1]
     */
    public double hoistRatio(int ringDegree, int level) {
        double r = seconds(OpCounts.Op.HOISTED_ROTATION, ringDegree, level) / seconds(OpCounts.Op.ROTATION, ringDegree, level);
        return Math.max(0.05, Math.min(1, r));
    }

    /**
     * The least-squares curves through this table's times, one per ring degree and operation with
     * at least four measured limb counts; {@code lola4j calibrate} prints them and flags any
     * measurement far from its curve.
     *
     * @return the fits, by ring degree then operation
     */
    public List<CostFit> fits() {
        List<CostFit> out = new ArrayList<>();
        for (Map.Entry<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> e : table.entrySet()) {
            for (Map.Entry<OpCounts.Op, TreeMap<Integer, Double>> o : e.getValue().entrySet()) {
                TreeMap<Integer, Double> pts = o.getValue();
                if (STAND_IN_AT_ONE_LIMB.contains(o.getKey())) {
                    pts = new TreeMap<>(pts.tailMap(2));
                }
                if (pts.size() < 4) {
                    continue;
                }
                int[] limbs = new int[pts.size()];
                double[] secs = new double[pts.size()];
                int i = 0;
                for (Map.Entry<Integer, Double> p : pts.entrySet()) {
                    limbs[i] = p.getKey();
                    secs[i++] = p.getValue();
                }
                // an addition at one limb may time as zero at the clock's resolution: nothing to fit
                if (Arrays.stream(secs).allMatch(v -> v > 0)) {
                    out.add(CostFit.of(e.getKey(), o.getKey(), limbs, secs));
                }
            }
        }
        return out;
    }

    /**
     * Writes the table.
     *
     * @param file the file to create or replace (its folder is created)
     * @throws IOException when it cannot be written
     */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "cost-model", ".tmp");
        try (PrintStream out = new PrintStream(Files.newOutputStream(tmp), false, StandardCharsets.UTF_8)) {
            out.println("# lola4j cost model: seconds per homomorphic operation, single thread, by ring degree and limbs");
            out.println("# measured " + source);
            out.println("# ringDegree\top\tlimbs\tseconds");
            for (Map.Entry<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> e : table.entrySet()) {
                for (Map.Entry<OpCounts.Op, TreeMap<Integer, Double>> o : e.getValue().entrySet()) {
                    for (Map.Entry<Integer, Double> p : o.getValue().entrySet()) {
                        out.printf(Locale.ROOT, "%d\t%s\t%d\t%.4e%n", e.getKey(), o.getKey(), p.getKey(), p.getValue());
                    }
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Measures the times on this machine: for each ring degree, a chain of primes of the size the
     * compiler chooses there (28 bits up to N = 8192, 40 above; a larger first and special prime;
     * unchecked security, timing only), every operation at a spread of limb counts, the fastest of
     * five rounds of repetitions.
     *
     * @param ringDegrees the degrees to measure, e.g. 8192, 16384, 32768
     * @param progress    where to report progress, or null
     * @return the model
     */
    public static CostModel measure(int[] ringDegrees, PrintStream progress) {
        return measure(ringDegrees, progress, Progress.none());
    }

    /**
     * Measures the times on this machine as {@link #measure(int[], PrintStream)}, reporting one
     * unit per ring degree and limb count measured (the three default degrees take about two
     * minutes).
     *
     * @param ringDegrees the degrees to measure
     * @param lines       where to print each limb count's times, or null
     * @param progress    where to report, as the task "measuring operation times"
     * @return the model
     */
    public static CostModel measure(int[] ringDegrees, PrintStream lines, Progress progress) {
        Objects.requireNonNull(progress, "progress");
        long total = 0;
        for (int n : ringDegrees) {
            total += sampleLimbs(n).length;
        }
        Map<Integer, Map<OpCounts.Op, TreeMap<Integer, Double>>> t = new TreeMap<>();
        progress.start("measuring operation times", total);
        try {
            for (int n : ringDegrees) {
                t.put(n, measureDegree(n, lines, progress));
            }
        } finally {
            progress.done();
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return new CostModel(t, Instant.now().toString().substring(0, 16) + "Z on " + host + ", "
                + Runtime.getRuntime().availableProcessors() + " processors, Java " + System.getProperty("java.version"));
    }

    /** The limb counts measured for a degree: every count up to 8, then a spread up to the largest chain. */
    static int[] sampleLimbs(int ringDegree) {
        // The longest chain of 24-bit primes the 128-bit bound allows, capped at 12 limbs: key sizes
        // grow with the square of the limb count, and longer chains are extrapolated.
        int max = (int) Math.max(2, Math.min(12, (SecurityLevel.BITS_128.maxLog2QP(Math.max(ringDegree, 1024)) - 60) / 24 + 1));
        List<Integer> out = new ArrayList<>();
        for (int l : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 28}) {
            if (l <= max) {
                out.add(l);
            }
        }
        if (out.get(out.size() - 1) != max) {
            out.add(max);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<OpCounts.Op, TreeMap<Integer, Double>> measureDegree(int n, PrintStream lines, Progress progress) {
        int[] limbs = sampleLimbs(n);
        int maxLimbs = limbs[limbs.length - 1];
        // The primes the compiler picks at this degree: about 28 bits at N <= 8192 (below 2^30, the 64-bit
        // product sums), 40 bits above; the first and the special prime a few bits larger.
        int primeBits = n <= 8192 ? 28 : 40;
        int[] bits = new int[maxLimbs];
        Arrays.fill(bits, primeBits);
        bits[0] = primeBits + 9;
        CkksParameters p = CkksParameters.builder().ringDegree(n).primeBits(bits).specialPrimeBits(primeBits + 13).dnum(maxLimbs)
                .scaleBits(primeBits).securityLevel(SecurityLevel.NONE).build();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(p, rnd);
        SecretKey sk = kg.secretKey();
        int[] steps = {1, 2, 3, 4, 5, 6, 7, 8};
        EvaluationKeys evk = kg.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(steps));
        Evaluator ev = new Evaluator(p, evk);
        Encoder enc = new Encoder(p);
        Encryptor encryptor = new Encryptor(sk, rnd);
        SplittableRandom values = new SplittableRandom(1);
        double[] v = new double[p.slots()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.nextDouble(-1, 1);
        }
        Map<OpCounts.Op, TreeMap<Integer, Double>> out = new EnumMap<>(OpCounts.Op.class);
        for (OpCounts.Op op : OpCounts.Op.values()) {
            out.put(op, new TreeMap<>());
        }
        int terms = 16;
        // Warm the JIT on every operation first, so the first limb counts are not timed interpreted.
        Ciphertext w = encryptor.encrypt(enc.encode(v, maxLimbs - 1, p.defaultScale()));
        long until = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < until) {
            ev.rotateHoisted(w, steps);
            ev.rescale(ev.multiplyRelin(w, w));
            ev.multiplyConstAndSum(new Ciphertext[] {w, w}, new double[] {1, 2});
            ev.multiplyPlainAndSum(new Ciphertext[] {w}, new Plaintext[] {enc.encode(v, maxLimbs - 1, p.prime(maxLimbs - 1))});
        }
        for (int l : limbs) {
            int level = l - 1;
            // At level 0 nothing can be rescaled, so products are timed at small scales that fit q_0.
            double scale = level == 0 ? 64 : p.defaultScale();
            Ciphertext x = encryptor.encrypt(enc.encode(v, level, scale));
            Ciphertext[] xs = new Ciphertext[terms];
            Plaintext[] ps = new Plaintext[terms];
            double[] cs = new double[terms];
            for (int k = 0; k < terms; k++) {
                xs[k] = x;
                ps[k] = enc.encode(v, level, level == 0 ? 64 : p.prime(level));
                cs[k] = 0.5 + k;
            }
            double rot = time(() -> ev.rotate(x, 1));
            double hoisted8 = time(() -> ev.rotateHoisted(x, steps));
            double step = Math.max(rot * 0.05, (hoisted8 - rot) / (steps.length - 1));
            out.get(OpCounts.Op.ROTATION).put(l, rot);
            out.get(OpCounts.Op.HOISTED_ROTATION).put(l, step);
            out.get(OpCounts.Op.HOISTED_BATCH).put(l, Math.max(0, rot - step));
            out.get(OpCounts.Op.PLAIN_PRODUCT).put(l, time(() -> ev.multiplyPlainAndSum(xs, ps)) / terms);
            out.get(OpCounts.Op.CONST_PRODUCT).put(l, level == 0 ? out.get(OpCounts.Op.PLAIN_PRODUCT).get(l)
                    : time(() -> ev.multiplyConstAndSum(xs, cs)) / terms);
            out.get(OpCounts.Op.CIPHER_PRODUCT).put(l, time(() -> ev.multiplyRelin(x, x)));
            // A degree-2 ciphertext at a small scale, so that its constant products fit every level.
            Ciphertext small = encryptor.encrypt(enc.encode(v, level, 64));
            Ciphertext x2 = ev.multiply(small, small);
            out.get(OpCounts.Op.TENSOR_PRODUCT).put(l, time(() -> ev.multiply(x, x)));
            out.get(OpCounts.Op.RELINEARIZATION).put(l, time(() -> ev.relinearize(x2)));
            Ciphertext[] xs2 = new Ciphertext[terms];
            Arrays.fill(xs2, x2);
            out.get(OpCounts.Op.DEGREE2_CONST_PRODUCT).put(l, level == 0 ? 1.5 * out.get(OpCounts.Op.CONST_PRODUCT).get(l)
                    : time(() -> ev.multiplyConstAndSum(xs2, cs)) / terms);
            out.get(OpCounts.Op.ADDITION).put(l, time(() -> ev.add(x, x)));
            out.get(OpCounts.Op.RESCALE).put(l, level == 0 ? time(() -> ev.add(x, x)) : time(() -> ev.rescale(x)));
            if (lines != null) {
                lines.printf(Locale.ROOT, "  N = %d, %2d limbs: rotation %.2f ms, hoisted step %.2f ms, product %.3f ms%n", n, l,
                        rot * 1e3, step * 1e3, out.get(OpCounts.Op.PLAIN_PRODUCT).get(l) * 1e3);
            }
            progress.advance(1);
        }
        return out;
    }

    /** The fastest of five rounds of at least 40 ms each (after a warm-up), per call. */
    private static double time(Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            int reps = 0;
            long t0 = System.nanoTime();
            long t;
            do {
                r.run();
                reps++;
                t = System.nanoTime();
            } while (t - t0 < 40_000_000L || reps < 3);
            best = Math.min(best, (t - t0) / 1e9 / reps);
        }
        return best;
    }
}
