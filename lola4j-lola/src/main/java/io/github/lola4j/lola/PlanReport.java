package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.SecurityLevel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a plan does and costs, before any key exists: per step the layers, the kernel, the
 * representations in and out, the level and scale, the operations and the predicted time; in total
 * the parameters, the exact key set with its size, the sizes of the encrypted input (after a
 * public-key and after a secret-key encryption) and of the result, the
 * predicted latency and the memory an evaluation needs. Immutable; {@link #toString()} renders it
 * as text, and the record accessors give every figure to tools (the CLI's JSON).
 *
 * @param model                 the network's name
 * @param inputShape            the network's input shape
 * @param outputs               the number of scores
 * @param ringDegree            N
 * @param slots                 N / 2
 * @param primeBits             bits of q_0 .. q_L
 * @param specialPrimeBits      bits of the special primes
 * @param dnum                  key-switching digits
 * @param scaleBits             log2 of the default scale
 * @param log2QP                the total modulus
 * @param securityBits          the security level (0 for none)
 * @param depth                 the levels consumed
 * @param relinearization       whether a relinearization key is needed
 * @param rotationSteps         the exact rotation steps, each needing one Galois key
 * @param evaluationKeyBytes    the serialized size of the keys (seeded form)
 * @param evaluationKeyMemory   their size in memory
 * @param inputCiphertexts      ciphertexts the client sends
 * @param inputBytes            the encrypted input's size in the tensor format after a public-key
 *                              encryption ({@code ClientPlan.inputBytes(false)}): what the client
 *                              uploads per evaluation (per image in latency mode, per batch in batch mode)
 * @param inputBytesSeeded      the same after a secret-key encryption, whose uniform halves travel
 *                              as seeds ({@code ClientPlan.inputBytes(true)}, about half); -1 when
 *                              not known (a report made with the constructor without it)
 * @param outputCiphertexts     ciphertexts the server returns
 * @param outputBytes           the encrypted result's size in the tensor format ({@code ClientPlan.outputBytes()})
 * @param rotations             key switches of rotations in all (hoisted steps included)
 * @param hoistedRotations      of which hoisted
 * @param plainProducts         ciphertext-plaintext products
 * @param constProducts         ciphertext-constant products
 * @param cipherProducts        ciphertext-ciphertext products
 * @param predictedSeconds      the predicted single-thread server time
 * @param peakMemoryBytes       an estimate of the evaluation's memory: keys, encoded weights, working set
 *                              ({@link Plan#memoryEstimate()}'s total, with its parts)
 * @param batch                 images per evaluation in batch mode, 1 otherwise
 * @param costModel             the source of the operation times
 * @param calibration           what the value ranges were measured on
 * @param headroomBits          the smallest headroom the twin found on the calibration inputs
 * @param predictedError        the noise model's bound on the scores' error on the calibration inputs
 *                              (NaN when not computed: no calibration data, or a plan read from a file)
 * @param calibrationMargin     the smallest gap between the two largest scores on the calibration inputs (NaN when unknown)
 * @param alternatives          the other candidates the compiler considered
 * @param steps                 the steps
 */
public record PlanReport(String model, String inputShape, int outputs, int ringDegree, int slots, int[] primeBits,
        int[] specialPrimeBits, int dnum, int scaleBits, double log2QP, int securityBits, int depth, boolean relinearization,
        List<Integer> rotationSteps, long evaluationKeyBytes, long evaluationKeyMemory, int inputCiphertexts, long inputBytes,
        long inputBytesSeeded, int outputCiphertexts, long outputBytes, long rotations, long hoistedRotations, long plainProducts, long constProducts,
        long cipherProducts, double predictedSeconds, long peakMemoryBytes, int batch, String costModel, String calibration,
        double headroomBits, double predictedError, double calibrationMargin, List<String> alternatives, List<Step> steps) {

    /**
     * One step.
     *
     * @param index            its position
     * @param layers           the layers it runs (or "conversion")
     * @param kernel           the kernel and its parameters
     * @param input            the representation in
     * @param output           the representation out
     * @param levelIn          the level in
     * @param levelOut         the level out
     * @param scaleBitsIn      log2 of the scale in
     * @param scaleBitsOut     log2 of the scale out
     * @param rotations        rotations with their own key switch
     * @param hoistedRotations hoisted rotation steps
     * @param plainProducts    plaintext products
     * @param constProducts    constant products
     * @param cipherProducts   ciphertext products
     * @param predictedMillis  the predicted time
     * @param rotationSteps    the rotation steps (Galois keys) the step uses
     * @param relinearization  whether it needs the relinearization key
     */
    public record Step(int index, String layers, String kernel, String input, String output, int levelIn, int levelOut,
            double scaleBitsIn, double scaleBitsOut, long rotations, long hoistedRotations, long plainProducts, long constProducts,
            long cipherProducts, double predictedMillis, List<Integer> rotationSteps, boolean relinearization) {
        /** Copies the list. */
        public Step {
            rotationSteps = List.copyOf(rotationSteps);
        }
    }

    /** Copies the arrays and lists. */
    public PlanReport {
        primeBits = primeBits.clone();
        specialPrimeBits = specialPrimeBits.clone();
        rotationSteps = List.copyOf(rotationSteps);
        alternatives = List.copyOf(alternatives);
        steps = List.copyOf(steps);
    }

    /**
     * A report without the input's secret-key size ({@link #inputBytesSeeded()} is -1): the
     * constructor of the earlier releases, kept for their callers.
     *
     * @param model               the network's name
     * @param inputShape          the network's input shape
     * @param outputs             the number of scores
     * @param ringDegree          N
     * @param slots               N / 2
     * @param primeBits           bits of q_0 .. q_L
     * @param specialPrimeBits    bits of the special primes
     * @param dnum                key-switching digits
     * @param scaleBits           log2 of the default scale
     * @param log2QP              the total modulus
     * @param securityBits        the security level (0 for none)
     * @param depth               the levels consumed
     * @param relinearization     whether a relinearization key is needed
     * @param rotationSteps       the exact rotation steps
     * @param evaluationKeyBytes  the serialized size of the keys (seeded form)
     * @param evaluationKeyMemory their size in memory
     * @param inputCiphertexts    ciphertexts the client sends
     * @param inputBytes          their size after a public-key encryption
     * @param outputCiphertexts   ciphertexts the server returns
     * @param outputBytes         their size
     * @param rotations           key switches of rotations in all
     * @param hoistedRotations    of which hoisted
     * @param plainProducts       ciphertext-plaintext products
     * @param constProducts       ciphertext-constant products
     * @param cipherProducts      ciphertext-ciphertext products
     * @param predictedSeconds    the predicted single-thread server time
     * @param peakMemoryBytes     an estimate of the evaluation's memory
     * @param batch               images per evaluation in batch mode, 1 otherwise
     * @param costModel           the source of the operation times
     * @param calibration         what the value ranges were measured on
     * @param headroomBits        the smallest headroom
     * @param predictedError      the noise model's bound on the scores' error (NaN when not computed)
     * @param calibrationMargin   the smallest gap between the two largest scores (NaN when unknown)
     * @param alternatives        the other candidates
     * @param steps               the steps
     */
    public PlanReport(String model, String inputShape, int outputs, int ringDegree, int slots, int[] primeBits,
            int[] specialPrimeBits, int dnum, int scaleBits, double log2QP, int securityBits, int depth, boolean relinearization,
            List<Integer> rotationSteps, long evaluationKeyBytes, long evaluationKeyMemory, int inputCiphertexts, long inputBytes,
            int outputCiphertexts, long outputBytes, long rotations, long hoistedRotations, long plainProducts, long constProducts,
            long cipherProducts, double predictedSeconds, long peakMemoryBytes, int batch, String costModel, String calibration,
            double headroomBits, double predictedError, double calibrationMargin, List<String> alternatives, List<Step> steps) {
        this(model, inputShape, outputs, ringDegree, slots, primeBits, specialPrimeBits, dnum, scaleBits, log2QP, securityBits,
                depth, relinearization, rotationSteps, evaluationKeyBytes, evaluationKeyMemory, inputCiphertexts, inputBytes, -1,
                outputCiphertexts, outputBytes, rotations, hoistedRotations, plainProducts, constProducts, cipherProducts,
                predictedSeconds, peakMemoryBytes, batch, costModel, calibration, headroomBits, predictedError, calibrationMargin,
                alternatives, steps);
    }

    static PlanReport of(Plan plan) {
        CkksParameters p = plan.parameters();
        int[] q = new int[p.maxLevel() + 1];
        for (int i = 0; i < q.length; i++) {
            q[i] = 64 - Long.numberOfLeadingZeros(p.prime(i));
        }
        long[] sp = p.specialPrimes();
        int[] s = new int[sp.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = 64 - Long.numberOfLeadingZeros(sp[i]);
        }
        KeyRequirements req = plan.keyRequirements();
        // One computation of the memory for the report, the CLI's preflight and the library's callers.
        Plan.MemoryEstimate memory = plan.memoryEstimate();
        long keyBytes = CkksSerializer.evaluationKeysSize(p, req, CkksSerializer.Form.SEEDED);
        List<Step> steps = new ArrayList<>();
        OpCounts all = new OpCounts();
        List<PlanStep> ps = plan.steps();
        for (int i = 0; i < ps.size(); i++) {
            PlanStep st = ps.get(i);
            OpCounts c = st.counts();
            all.addAll(c);
            steps.add(new Step(i, st.layers(), st.describe(), st.in().describe(), st.out().describe(), st.start().level(), st.end().level(),
                    log2(st.start().scale()), log2(st.end().scale()), c.total(OpCounts.Op.ROTATION), c.total(OpCounts.Op.HOISTED_ROTATION),
                    c.total(OpCounts.Op.PLAIN_PRODUCT), c.constProducts(), c.cipherProducts(),
                    st.seconds() * 1e3, new ArrayList<>(new java.util.TreeSet<>(st.rotationSteps())), st.relinearization()));
        }
        int inCts = plan.inputRepresentation().ciphertexts();
        int outCts = plan.outputRepresentation().ciphertexts();
        // the tensor streams' sizes, header and digest included: what travels, as the client plan computes it
        ClientPlan client = plan.clientPlan();
        int security = p.securityLevel() == SecurityLevel.BITS_128 ? 128 : p.securityLevel() == SecurityLevel.BITS_192 ? 192
                : p.securityLevel() == SecurityLevel.BITS_256 ? 256 : 0;
        Plan.CompileInfo info = plan.compileInfo();
        return new PlanReport(plan.network().info().name(), plan.network().inputShape().toString(),
                plan.network().outputShape().size(), p.ringDegree(), p.slots(), q, s, p.dnum(),
                (int) Math.round(log2(p.defaultScale())), p.log2QP(), security, plan.depth(), req.needsRelinearization(),
                new ArrayList<>(req.rotations()), keyBytes, memory.evaluationKeys(), inCts, client.inputBytes(false),
                client.inputBytes(true), outCts, client.outputBytes(), all.keySwitchRotations(),
                all.total(OpCounts.Op.HOISTED_ROTATION), all.total(OpCounts.Op.PLAIN_PRODUCT), all.constProducts(),
                all.cipherProducts(), plan.predictedSeconds(), memory.total(),
                plan.batchSize(), pricedWith(plan, info), info.calibration(), info.headroomBits(), info.predictedError(), info.margin(),
                info.alternatives(), steps);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** A size as the report prints it (tests compare against it). */
    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }

    /** The report as text, one screen for a small network. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "plan for %s: input %s -> %d scores%s%n", model, inputShape, outputs,
                batch > 1 ? ", batches of " + batch + " images" : ""));
        StringBuilder qb = new StringBuilder();
        for (int i = 0; i < primeBits.length; i++) {
            qb.append(i == 0 ? "" : ",").append(primeBits[i]);
        }
        StringBuilder pb = new StringBuilder();
        for (int i = 0; i < specialPrimeBits.length; i++) {
            pb.append(i == 0 ? "" : ",").append(specialPrimeBits[i]);
        }
        sb.append(String.format(Locale.ROOT, "CKKS      N = %d (%d slots), Q = [%s] bits, P = [%s] bits, dnum %d, scale 2^%d,"
                + " log2(QP) = %.1f, %s%n", ringDegree, slots, qb, pb, dnum, scaleBits, log2QP,
                securityBits > 0 ? securityBits + "-bit security" : "NO security (test parameters)"));
        sb.append(String.format(Locale.ROOT, "keys      %s%d rotation keys, %s serialized (%s in memory)%n",
                relinearization ? "relinearization + " : "", rotationSteps.size(), bytes(evaluationKeyBytes),
                bytes(evaluationKeyMemory)));
        sb.append("          rotation steps ").append(rotationSteps).append('\n');
        // Both input sizes, each saying its encryption: the secret-key one travels seeded, about half.
        sb.append(String.format(Locale.ROOT, "traffic   input %d ciphertext%s (%s public-key encrypted%s), output %d ciphertext%s (%s)%n",
                inputCiphertexts, inputCiphertexts > 1 ? "s" : "", bytes(inputBytes),
                inputBytesSeeded >= 0 ? ", " + bytes(inputBytesSeeded) + " secret-key encrypted (seeded)" : "", outputCiphertexts,
                outputCiphertexts > 1 ? "s" : "", bytes(outputBytes)));
        sb.append(String.format(Locale.ROOT, "steps     %-4s %-5s %-8s %-7s %-6s %-6s %-6s %-9s %s%n", "#", "level", "rot+hst", "P", "K",
                "C", "ms", "repr out", "kernel"));
        for (Step s : steps) {
            sb.append(String.format(Locale.ROOT, "          %-4d %d->%-2d %3d+%-4d %-7d %-6d %-6d %-6.2f %-9s %s%n", s.index, s.levelIn,
                    s.levelOut, s.rotations, s.hoistedRotations, s.plainProducts, s.constProducts, s.cipherProducts,
                    s.predictedMillis, shortKind(s.output), s.kernel));
        }
        sb.append(String.format(Locale.ROOT, "total     depth %d, %d rotations (%d hoisted), %d plaintext, %d constant and %d"
                + " ciphertext products%n", depth, rotations, hoistedRotations, plainProducts, constProducts, cipherProducts));
        sb.append(String.format(Locale.ROOT, "predicted %.1f ms per evaluation on one thread%s; peak memory about %s%n",
                predictedSeconds * 1e3, batch > 1 ? String.format(Locale.ROOT, " (%.0f images/s)", batch / predictedSeconds) : "",
                bytes(peakMemoryBytes)));
        sb.append(String.format(Locale.ROOT, "ranges    %s; smallest headroom %.1f bits%n", calibration, headroomBits));
        if (Double.isFinite(predictedError)) {
            sb.append(String.format(Locale.ROOT, "precision scores within %.2g of plaintext (noise model, %.0f sigma, public-key"
                    + " encryption); calibration margin %.2g%s%n", predictedError, NoiseModel.BOUND_SIGMAS, calibrationMargin,
                    predictedError >= calibrationMargin ? ": WARNING, above the margin, so near-ties may flip; a larger ring"
                            + " degree (--ring-degree 16384) is more precise and slower" : ""));
        }
        sb.append("costs     ").append(costModel).append('\n');
        if (alternatives.size() > 1) {
            sb.append("also      ");
            for (int i = 1; i < Math.min(alternatives.size(), 4); i++) {
                sb.append(i > 1 ? "; " : "").append(alternatives.get(i));
            }
            sb.append('\n');
        }
        sb.append(LEGEND);
        return sb.toString();
    }

    /**
     * What the table's columns and terms mean, under the report: the terms are the compiler's,
     * and a reader meets them first here (docs/lola.md, "Reading the plan report", says more).
     */
    private static final String LEGEND = String.join("\n",
            "legend    level in->out: each rescale drops one prime; repr out: the output's representation",
            "          rot+hst: rotations with their own key switch + hoisted steps (one decomposition per batch)",
            "          P, K, C: products with a plaintext, a constant, a ciphertext; ms: predicted, one thread",
            "          n1: baby-step size; b baby: input rotations (hoisted where a ciphertext has 2 or more)",
            "          g giant groups: one rotation each, step 0 none; fold f: f rotate-and-adds sum the partials",
            "          CKKS line: Q, P = bits of the ciphertext and special primes; dnum = key-switching digits", "");

    /**
     * The table the predicted times come from: the one the plan was compiled with, or, for a plan
     * read from a file and compiled with another table, the built-in one that priced it here.
     */
    private static String pricedWith(Plan plan, Plan.CompileInfo info) {
        String here = plan.costModel().source();
        return here.equals(info.costModel()) ? here : here + "; the plan was compiled with " + info.costModel();
    }

    private static String shortKind(String repr) {
        int sp = repr.indexOf(' ');
        return sp < 0 ? repr : repr.substring(0, sp);
    }
}
