package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.format.Progress;
import io.github.lola4j.nn.GraphNetwork;
import io.github.lola4j.nn.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Compiles a trained {@link Network} into an executable {@link Plan}: the message representation
 * of every layer's input and output, the kernel of every layer, the CKKS parameters and the exact
 * rotation keys.
 *
 * <p>The network is normalized into stages (linear layers without an activation between them are
 * merged into one affine map). For each candidate ring degree and depth, a search over stages keeps
 * the cheapest plans per representation (a beam), trying for each linear stage every applicable
 * kernel: the client-side convolution representation with weight vectors or scalar weights, the
 * diagonal method on any layout with stacked, blocked, compact or dense placements, LoLa's
 * row-major, packed and interleaved forms, rotation pooling; and the conversions between
 * representations (vectorize, replicate, interleave). Each candidate is priced by running it on
 * the simulator at the level it would run at, with the {@link CostModel}'s measured times.
 *
 * <p>Parameters: the smallest scale that still gives the requested precision is not the goal; the
 * compiler takes the largest scale (up to {@link CompileOptions#maxScaleBits()}) that fits the
 * Homomorphic Encryption Standard's bound with a first prime holding the output range measured on
 * calibration inputs (times a margin), then checks with the plaintext twin on those inputs that no
 * slot of any step (partial sums included) comes within {@link CompileOptions#headroomBits()} of
 * overflowing, raising the first prime if one does.
 *
 * <p>Precision: with calibration data, the compiler also predicts the error of the scores an
 * encrypted evaluation will carry ({@link Plan#predictedError}, the {@link NoiseModel} added up
 * along the plan on the calibration inputs) and takes the cheapest candidate whose predicted error
 * stays below the calibration margin: the smallest gap between the two largest scores on the
 * calibration inputs, below which a prediction could flip. The candidates are those the search
 * keeps, and it prunes plans slower than the fastest found so far: when none of them achieves the
 * margin, the most precise is taken and its report says so (a larger ring degree, given with
 * {@link CompileOptions#withRingDegrees}, is the way to more precision). {@link CompileOptions#withPrecisionCheck}
 * turns the check off.
 *
 * <p>A network that cannot fit is refused with an {@link IllegalArgumentException} naming the layer
 * and what is missing: depth, range or slots.
 *
 * <p>Progress ({@link CompileOptions#withProgress}): the phases are reported as tasks in turn,
 * "preparing layers" (one unit per layer), "measuring value ranges" (one unit per calibration
 * input), "searching plans" (one unit per kernel built, where the search's time goes; the total is
 * {@link Progress#UNKNOWN}, as the pruning decides it), then for each candidate finished (usually
 * one) "checking headroom" (one unit per plaintext twin run on a calibration input; again after
 * each raise of the first prime) and, with the precision check, "predicting the error" (one unit
 * per noise-model run).
 */
public final class LolaCompiler {

    private LolaCompiler() {
    }



    // ------------------------------------------------------------------ compile

    /**
     * Compiles a network.
     *
     * @param net     the trained network
     * @param options the options
     * @return the plan
     * @throws IllegalArgumentException when the network cannot fit (naming the layer and whether
     *                                  depth, range or slots is missing) or an option does not fit it
     */
    public static Plan compile(Network net, CompileOptions options) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(options, "options");
        CostModel model = options.costModel() != null ? options.costModel() : CostModel.load();
        List<Stage> stages = Stage.of(net, options.progress());
        Calibration cal = Calibration.run(net, stages, options);
        int[] degrees = options.parameters() != null ? new int[] {options.parameters().ringDegree()} : options.ringDegrees().clone();
        Arrays.sort(degrees);
        int[] minDepth = Stage.minRemainingDepth(stages);
        List<Candidate> found = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String slotFailure = null;
        // how many kernels the pruned search builds is known only when it ends
        options.progress().start("searching plans", Progress.UNKNOWN);
        try {
            for (int n : degrees) {
                int slots = n / 2;
                if (!covers(model, n)) {
                    notes.add("N = " + n + ": the cost model has no times for it");
                    continue;
                }
                int batch = options.batchSize() < 0 ? slots : options.batchSize();
                if (options.batchSize() > slots) {
                    notes.add("N = " + n + ": a batch of " + options.batchSize() + " exceeds " + slots + " slots");
                    continue;
                }
                PlanSearch search = new PlanSearch(stages, slots, n, model, options, batch);
                List<Integer> depths = new ArrayList<>();
                int least = minDepth[0] + (options.maskedOutput() ? 1 : 0);
                if (options.parameters() != null) {
                    depths.add(-1);
                } else {
                    for (int d = least; d <= least + 2; d++) {
                        depths.add(d);
                    }
                }
                for (int depth : depths) {
                    CkksParameters params = options.parameters() != null ? options.parameters()
                            : Parameters.choose(n, depth, cal.outputBits(options.rangeMargin()), 0, options);
                    if (params == null) {
                        notes.add(String.format(Locale.ROOT, "N = %d, depth %d: no %s chain with a scale of at least 2^%d", n, depth,
                                options.security(), options.minScaleBits()));
                        continue;
                    }
                    double bound = Double.POSITIVE_INFINITY;
                    for (Candidate c : found) {
                        bound = Math.min(bound, c.secondsPerImage() * (batch > 0 ? batch : 1));
                    }
                    long t0 = System.nanoTime();
                    PlanSearch.Result r = search.run(params.maxLevel(), depth, bound);
                    if (Boolean.getBoolean("lola4j.debugCompile")) {
                        System.err.printf("N=%d depth=%d: %.2f s, %s%n", n, depth, (System.nanoTime() - t0) / 1e9,
                                r.best == null ? r.why : r.best.seconds * 1e3 + " ms");
                    }
                    if (r.best == null) {
                        if (r.emptyAt >= 0) {
                            slotFailure = stages.get(r.emptyAt).label + " at N = " + n;
                        }
                        notes.add("N = " + n + ", depth " + depth + ": no plan (" + r.why + ")");
                        continue;
                    }
                    found.add(new Candidate(n, depth, params, r.best, batch));
                }
            }
        } finally {
            options.progress().done();
        }
        if (found.isEmpty()) {
            throw refusal(net, stages, cal, options, minDepth, slotFailure, notes);
        }
        found.sort(Comparator.comparingDouble(Candidate::secondsPerImage));
        List<String> alternatives = new ArrayList<>();
        for (Candidate c : found) {
            alternatives.add(String.format(Locale.ROOT, "N = %d, depth %d, scale 2^%d: %.1f ms%s", c.n, c.params.maxLevel(),
                    Math.round(Math.log(c.params.defaultScale()) / Math.log(2)), c.path.seconds * 1e3,
                    c.batch > 0 ? String.format(Locale.ROOT, " per batch of %d (%.0f images/s)", c.batch, c.batch / c.path.seconds) : ""));
        }
        alternatives.addAll(notes);
        IllegalArgumentException rangeFailure = null;
        Plan mostPrecise = null;
        for (Candidate c : found) {
            Plan p;
            try {
                p = finish(net, stages, c, cal, options, model, alternatives);
            } catch (RangeException e) {
                rangeFailure = new IllegalArgumentException(e.getMessage(), e);
                continue;
            }
            Plan.CompileInfo i = p.compileInfo();
            if (!(i.predictedError() >= i.margin())) { // NaN (no check) passes
                return p;
            }
            if (mostPrecise == null || i.predictedError() < mostPrecise.compileInfo().predictedError()) {
                mostPrecise = p;
            }
        }
        if (mostPrecise != null) {
            return mostPrecise;
        }
        throw rangeFailure;
    }

    /**
     * Compiles a graph network (residual additions, concatenations of branches): its lowering to a
     * sequence ({@link GraphNetwork#toNetwork}, with the carried values' range measured on the
     * calibration inputs) compiled as any network. The plan's {@link Plan#network()} is that
     * sequence; it computes the graph's function.
     *
     * @param graph   the trained graph
     * @param options the options
     * @return the plan
     * @throws IllegalArgumentException as {@link #compile(Network, CompileOptions)}
     */
    public static Plan compile(GraphNetwork graph, CompileOptions options) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(options, "options");
        return compile(graph.toNetwork(Calibration.inputs(graph.inputShape(), graph.info().normalization(), options)), options);
    }

    /** The plan of a candidate, with the first prime raised until the twin finds enough headroom. */
    private static Plan finish(Network net, List<Stage> stages, Candidate c, Calibration cal, CompileOptions options, CostModel model,
            List<String> alternatives) {
        CkksParameters params = c.params;
        int extra = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            Plan plan = Plan.assemble(net, stages, params, c.path.choices, c.path.kernels, model,
                    new Plan.CompileInfo(model.source(), cal.describe(), cal.stageMax(stages), Double.NaN, alternatives, c.batch));
            double headroom = Double.POSITIVE_INFINITY;
            String where = "";
            List<double[]> runs = cal.inputs;
            if (plan.isBatch()) {
                // A batch plan's twin takes whole batches: the calibration inputs, cycled to fill one.
                int n = net.inputShape().size();
                double[] all = new double[n * plan.batchSize()];
                for (int b = 0; b < plan.batchSize(); b++) {
                    System.arraycopy(cal.inputs.get(b % cal.inputs.size()), 0, all, b * n, n);
                }
                runs = List.of(all);
            }
            options.progress().start("checking headroom", runs.size());
            try {
                for (double[] x : runs) {
                    Plan.TwinRun run = plan.runTwin(x);
                    if (run.minHeadroom() < headroom) {
                        headroom = run.minHeadroom();
                        where = run.minHeadroomAt();
                    }
                    options.progress().advance(1);
                }
            } finally {
                options.progress().done();
            }
            if (headroom >= options.headroomBits()) {
                return precision(plan.withHeadroom(headroom, stages), runs, cal, options);
            }
            if (options.parameters() != null) {
                throw new RangeException(String.format(Locale.ROOT,
                        "range: %s comes within %.1f bits of overflowing the given parameters on the calibration inputs"
                                + " (%.1f required); use a larger first prime or a smaller scale", where, headroom,
                        options.headroomBits()));
            }
            extra += (int) Math.ceil(options.headroomBits() - headroom) + 1;
            CkksParameters wider = Parameters.choose(c.n, c.params.maxLevel(), cal.outputBits(options.rangeMargin()), extra, options);
            if (wider == null) {
                throw new RangeException(String.format(Locale.ROOT,
                        "range: %s needs %d more bits in the first prime than N = %d allows at %s with a scale of 2^%d", where,
                        extra, c.n, options.security(), options.minScaleBits()));
            }
            params = wider;
        }
        throw new RangeException("range: no headroom after raising the first prime " + extra + " bits");
    }

    /**
     * Calibration inputs the noise model runs on: its bound is per input (larger activations, more
     * noise), the largest is kept. 16 cost lola 0.45 s and lola-cifar about 5 s of compile time;
     * over 200 MNIST test images lola's per-image bound ranges from 0.0039 to 0.0085.
     */
    private static final int NOISE_RUNS = 16;

    /**
     * Records the noise model's predicted score error on the first calibration inputs and the
     * calibration margin (only with calibration data and the check on; NaN otherwise).
     */
    private static Plan precision(Plan plan, List<double[]> runs, Calibration cal, CompileOptions options) {
        if (!options.precisionCheck() || cal.synthetic || !Double.isFinite(cal.margin)) {
            return plan;
        }
        double predicted = 0;
        int count = Math.min(NOISE_RUNS, runs.size());
        options.progress().start("predicting the error", count);
        try {
            for (int k = 0; k < count; k++) {
                predicted = Math.max(predicted, plan.predictedError(runs.get(k)));
                options.progress().advance(1);
            }
        } finally {
            options.progress().done();
        }
        return plan.withPrecision(predicted, cal.margin);
    }

    private static final class RangeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RangeException(String m) {
            super(m);
        }
    }

    private static boolean covers(CostModel model, int n) {
        for (int d : model.ringDegrees()) {
            if (d == n) {
                return true;
            }
        }
        return false;
    }

    private static IllegalArgumentException refusal(Network net, List<Stage> stages, Calibration cal, CompileOptions options,
            int[] minDepth, String slotFailure, List<String> notes) {
        int largest = options.parameters() != null ? options.parameters().ringDegree() : Arrays.stream(options.ringDegrees()).max().getAsInt();
        double rangeBits = cal.outputBits(options.rangeMargin());
        if (rangeBits + options.minScaleBits() + 1 > 60) {
            Stage last = stages.get(stages.size() - 1);
            return new IllegalArgumentException(String.format(Locale.ROOT,
                    "range: %s produces values up to %.4g (2^%.1f with the margin %.0f) on the calibration inputs; with a scale"
                            + " of 2^%d the first prime would need %.0f bits, more than 60", last.label, cal.outputMax(), rangeBits,
                    options.rangeMargin(), options.minScaleBits(), Math.ceil(rangeBits + options.minScaleBits() + 1)));
        }
        int maxLevels = options.parameters() != null ? options.parameters().maxLevel()
                : Parameters.maxDepth(largest, rangeBits, options);
        if (minDepth[0] > maxLevels) {
            int used = 0;
            String at = stages.get(stages.size() - 1).label;
            for (int i = 0; i < stages.size(); i++) {
                used += minDepth[i] - minDepth[i + 1];
                if (used > maxLevels) {
                    at = stages.get(i).label;
                    break;
                }
            }
            return new IllegalArgumentException(String.format(Locale.ROOT,
                    "depth: the network needs %d levels, but N = %d at %s holds at most %d with a scale of at least 2^%d;"
                            + " the levels run out at %s", minDepth[0], largest, options.security(), maxLevels,
                    options.minScaleBits(), at));
        }
        if (slotFailure != null) {
            return new IllegalArgumentException("slots: no kernel fits " + slotFailure
                    + " (the tensor needs more slots or ciphertexts than the kernels allow); " + String.join("; ", notes));
        }
        return new IllegalArgumentException("no plan fits " + net + ": " + String.join("; ", notes));
    }

    // ------------------------------------------------------------------ candidates

    private record Candidate(int n, int depth, CkksParameters params, PlanSearch.Path path, int batch) {
        double secondsPerImage() {
            return batch > 0 ? path.seconds / batch : path.seconds;
        }
    }

}
