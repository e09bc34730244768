package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.SecurityLevel;
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
 * compiler takes the largest scale (up to {@link Options#maxScaleBits()}) that fits the
 * Homomorphic Encryption Standard's bound with a first prime holding the output range measured on
 * calibration inputs (times a margin), then checks with the plaintext twin on those inputs that no
 * slot of any step (partial sums included) comes within {@link Options#headroomBits()} of
 * overflowing, raising the first prime if one does.
 *
 * <p>Precision: with calibration data, the compiler also predicts the error of the scores an
 * encrypted evaluation will carry ({@link Plan#predictedError}, the {@link NoiseModel} added up
 * along the plan on the calibration inputs) and takes the cheapest candidate whose predicted error
 * stays below the calibration margin: the smallest gap between the two largest scores on the
 * calibration inputs, below which a prediction could flip. The candidates are those the search
 * keeps, and it prunes plans slower than the fastest found so far: when none of them achieves the
 * margin, the most precise is taken and its report says so (a larger ring degree, given with
 * {@link Options#withRingDegrees}, is the way to more precision). {@link Options#withPrecisionCheck}
 * turns the check off.
 *
 * <p>A network that cannot fit is refused with an {@link IllegalArgumentException} naming the layer
 * and what is missing: depth, range or slots.
 */
public final class LolaCompiler {

    private LolaCompiler() {
    }

    /** How the client lays out its input. */
    public enum InputLayout {
        /** Whatever is cheapest for the server: usually the convolution representation (LoLa). */
        ANY,
        /** The plain image in the dense representation, one ciphertext (LoLa-Dense). */
        DENSE
    }

    /**
     * Compile options. Immutable; the {@code with} methods return modified copies.
     */
    public static final class Options {
        /**
         * The default bound on the ciphertexts a client sends: enough for the convolution
         * representation of a 3x8x8 colour kernel (192 taps, the paper's CIFAR-10 input) over the
         * four ciphertexts its 16,268 outputs take at N = 8192 (768 ciphertexts, 266 MiB of upload:
         * less than the 192 larger ones of N = 32768, 376 MiB, and the server's work is half);
         * MNIST kernels need 25 to 192. The bound counts ciphertexts, not bytes, because the
         * client's encryption time grows with their number too.
         */
        public static final int DEFAULT_MAX_INPUT_CIPHERTEXTS = 1024;

        private SecurityLevel security = SecurityLevel.BITS_128;
        private int[] ringDegrees = {8192, 16384, 32768};
        private CkksParameters parameters;
        private int minScaleBits = 25;
        private int maxScaleBits = 40;
        private double rangeMargin = 2;
        private double headroomBits = 2;
        private List<double[]> calibration = List.of();
        private int maxInputCiphertexts = DEFAULT_MAX_INPUT_CIPHERTEXTS;
        private InputLayout input = InputLayout.ANY;
        private int batch;
        private CostModel costModel;
        private int beamWidth = 16;
        private boolean maskOutput;
        private boolean precisionCheck = true;

        private Options() {
        }

        private Options copy() {
            Options o = new Options();
            o.security = security;
            o.ringDegrees = ringDegrees.clone();
            o.parameters = parameters;
            o.minScaleBits = minScaleBits;
            o.maxScaleBits = maxScaleBits;
            o.rangeMargin = rangeMargin;
            o.headroomBits = headroomBits;
            o.calibration = calibration;
            o.maxInputCiphertexts = maxInputCiphertexts;
            o.input = input;
            o.batch = batch;
            o.costModel = costModel;
            o.beamWidth = beamWidth;
            o.maskOutput = maskOutput;
            o.precisionCheck = precisionCheck;
            return o;
        }

        /**
         * Whether a candidate must predict a score error below the calibration margin (default on;
         * it applies only with calibration data, synthetic inputs' margins say nothing).
         *
         * @param on the check
         * @return the options
         */
        public Options withPrecisionCheck(boolean on) {
            Options o = copy();
            o.precisionCheck = on;
            return o;
        }

        /** Whether the predicted score error must stay below the calibration margin. */
        public boolean precisionCheck() {
            return precisionCheck;
        }

        /** One image at a time, lowest server latency: the defaults. */
        public static Options lowLatency() {
            return new Options();
        }

        /** Throughput: the SIMD batch representation (CryptoNets), one image per slot, as many as slots. */
        public static Options batch() {
            Options o = new Options();
            o.batch = -1;
            return o;
        }

        /**
         * The security level the parameters must meet.
         *
         * @param level the level ({@link SecurityLevel#NONE} for tests only)
         * @return the options
         */
        public Options withSecurity(SecurityLevel level) {
            Options o = copy();
            o.security = Objects.requireNonNull(level, "level");
            return o;
        }

        /**
         * The ring degrees to consider (the compiler picks the cheapest that fits).
         *
         * @param degrees powers of two from 1024 to 65536
         * @return the options
         */
        public Options withRingDegrees(int... degrees) {
            if (degrees.length == 0) {
                throw new IllegalArgumentException("ringDegrees: at least one is needed");
            }
            for (int n : degrees) {
                if (n < 1024 || n > 65536 || Integer.bitCount(n) != 1) {
                    throw new IllegalArgumentException("ringDegrees: " + n + " is not a power of two in [1024, 65536]");
                }
            }
            Options o = copy();
            o.ringDegrees = degrees.clone();
            return o;
        }

        /**
         * Fixed parameters, checked instead of chosen: the plan must fit their depth, slots and range.
         *
         * @param params the parameters, or null to let the compiler choose
         * @return the options
         */
        public Options withParameters(CkksParameters params) {
            Options o = copy();
            o.parameters = params;
            return o;
        }

        /**
         * The range of scales: at least min bits (precision), at most max (no use beyond).
         *
         * @param min the smallest scale in bits, 15..58
         * @param max the largest, min..58
         * @return the options
         */
        public Options withScaleBits(int min, int max) {
            if (min < 15 || max > 58 || min > max) {
                throw new IllegalArgumentException("scaleBits: need 15 <= min <= max <= 58, got " + min + " and " + max);
            }
            Options o = copy();
            o.minScaleBits = min;
            o.maxScaleBits = max;
            return o;
        }

        /**
         * The factor on calibrated value ranges the first prime must hold.
         *
         * @param margin at least 1
         * @return the options
         */
        public Options withRangeMargin(double margin) {
            if (!(margin >= 1) || Double.isInfinite(margin)) {
                throw new IllegalArgumentException("rangeMargin must be a finite number >= 1, got " + margin);
            }
            Options o = copy();
            o.rangeMargin = margin;
            return o;
        }

        /**
         * The bits every slot of every step must stay below overflow on the calibration inputs.
         *
         * @param bits at least 0
         * @return the options
         */
        public Options withHeadroomBits(double bits) {
            if (!(bits >= 0) || bits > 30) {
                throw new IllegalArgumentException("headroomBits must be in [0, 30], got " + bits);
            }
            Options o = copy();
            o.headroomBits = bits;
            return o;
        }

        /**
         * Inputs the value ranges are measured on (network inputs, already preprocessed).
         *
         * @param inputs at least one; each of the network's input size (checked when compiling)
         * @return the options
         */
        public Options withCalibration(List<double[]> inputs) {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("calibration: at least one input is needed");
            }
            Options o = copy();
            List<double[]> c = new ArrayList<>();
            for (double[] x : inputs) {
                c.add(x.clone());
            }
            o.calibration = List.copyOf(c);
            return o;
        }

        /**
         * The most ciphertexts the client may send (the convolution representation needs one per tap).
         *
         * @param max at least 1
         * @return the options
         */
        public Options withMaxInputCiphertexts(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxInputCiphertexts must be positive, got " + max);
            }
            Options o = copy();
            o.maxInputCiphertexts = max;
            return o;
        }

        /**
         * How the client lays out its input.
         *
         * @param layout {@link InputLayout#ANY} or {@link InputLayout#DENSE}
         * @return the options
         */
        public Options withInput(InputLayout layout) {
            Options o = copy();
            o.input = Objects.requireNonNull(layout, "layout");
            return o;
        }

        /**
         * The batch size in batch mode (images per evaluation; at most the slots).
         *
         * @param images at least 1
         * @return the options, in batch mode
         */
        public Options withBatchSize(int images) {
            if (images < 1) {
                throw new IllegalArgumentException("batch size must be positive, got " + images);
            }
            Options o = copy();
            o.batch = images;
            return o;
        }

        /**
         * The operation times plans are priced with (default: {@link CostModel#load()}).
         *
         * @param model the model
         * @return the options
         */
        public Options withCostModel(CostModel model) {
            Options o = copy();
            o.costModel = Objects.requireNonNull(model, "model");
            return o;
        }

        /**
         * Zero the output's other slots (the partial sums of the last layer, which reveal more of
         * the model than its scores) with one more product and level.
         *
         * @return the options
         */
        public Options withMaskedOutput() {
            Options o = copy();
            o.maskOutput = true;
            return o;
        }

        /** Whether the output is masked. */
        public boolean maskedOutput() {
            return maskOutput;
        }

        /** How many partial plans the search keeps per stage. */
        int beamWidth() {
            return beamWidth;
        }

        /** The security level. */
        public SecurityLevel security() {
            return security;
        }

        /** The ring degrees considered. */
        public int[] ringDegrees() {
            return ringDegrees.clone();
        }

        /** The fixed parameters, or null. */
        public CkksParameters parameters() {
            return parameters;
        }

        /** The smallest scale in bits. */
        public int minScaleBits() {
            return minScaleBits;
        }

        /** The largest scale in bits. */
        public int maxScaleBits() {
            return maxScaleBits;
        }

        /** The margin on calibrated ranges. */
        public double rangeMargin() {
            return rangeMargin;
        }

        /** The headroom required on calibration inputs, in bits. */
        public double headroomBits() {
            return headroomBits;
        }

        /** The calibration inputs (empty: synthetic ones are drawn). */
        public List<double[]> calibration() {
            return calibration;
        }

        /** The most input ciphertexts. */
        public int maxInputCiphertexts() {
            return maxInputCiphertexts;
        }

        /** The input layout policy. */
        public InputLayout input() {
            return input;
        }

        /** Whether the plan is in batch mode. */
        public boolean isBatch() {
            return batch != 0;
        }

        /** The batch size (0 in latency mode, -1 for as many as slots). */
        public int batchSize() {
            return batch;
        }

        /** The cost model, or null for {@link CostModel#load()}. */
        public CostModel costModel() {
            return costModel;
        }
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
    public static Plan compile(Network net, Options options) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(options, "options");
        CostModel model = options.costModel != null ? options.costModel : CostModel.load();
        List<Stage> stages = Stage.of(net);
        Calibration cal = Calibration.run(net, stages, options);
        int[] degrees = options.parameters != null ? new int[] {options.parameters.ringDegree()} : options.ringDegrees.clone();
        Arrays.sort(degrees);
        int[] minDepth = minRemainingDepth(stages);
        List<Candidate> found = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String slotFailure = null;
        for (int n : degrees) {
            int slots = n / 2;
            if (!covers(model, n)) {
                notes.add("N = " + n + ": the cost model has no times for it");
                continue;
            }
            int batch = options.batch < 0 ? slots : options.batch;
            if (options.batch > slots) {
                notes.add("N = " + n + ": a batch of " + options.batch + " exceeds " + slots + " slots");
                continue;
            }
            PlanSearch search = new PlanSearch(stages, slots, n, model, options, batch);
            List<Integer> depths = new ArrayList<>();
            int least = minDepth[0] + (options.maskOutput ? 1 : 0);
            if (options.parameters != null) {
                depths.add(-1);
            } else {
                for (int d = least; d <= least + 2; d++) {
                    depths.add(d);
                }
            }
            for (int depth : depths) {
                CkksParameters params = options.parameters != null ? options.parameters
                        : Parameters.choose(n, depth, cal.outputBits(options.rangeMargin), 0, options);
                if (params == null) {
                    notes.add(String.format(Locale.ROOT, "N = %d, depth %d: no %s chain with a scale of at least 2^%d", n, depth,
                            options.security, options.minScaleBits));
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

    /** The plan of a candidate, with the first prime raised until the twin finds enough headroom. */
    private static Plan finish(Network net, List<Stage> stages, Candidate c, Calibration cal, Options options, CostModel model,
            List<String> alternatives) {
        CkksParameters params = c.params;
        int extra = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            Plan plan = Plan.assemble(net, params, c.path.choices, c.path.kernels, model,
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
            for (double[] x : runs) {
                Plan.TwinRun run = plan.runTwin(x);
                if (run.minHeadroom() < headroom) {
                    headroom = run.minHeadroom();
                    where = run.minHeadroomAt();
                }
            }
            if (headroom >= options.headroomBits) {
                return precision(plan.withHeadroom(headroom), runs, cal, options);
            }
            if (options.parameters != null) {
                throw new RangeException(String.format(Locale.ROOT,
                        "range: %s comes within %.1f bits of overflowing the given parameters on the calibration inputs"
                                + " (%.1f required); use a larger first prime or a smaller scale", where, headroom,
                        options.headroomBits));
            }
            extra += (int) Math.ceil(options.headroomBits - headroom) + 1;
            CkksParameters wider = Parameters.choose(c.n, c.params.maxLevel(), cal.outputBits(options.rangeMargin), extra, options);
            if (wider == null) {
                throw new RangeException(String.format(Locale.ROOT,
                        "range: %s needs %d more bits in the first prime than N = %d allows at %s with a scale of 2^%d", where,
                        extra, c.n, options.security, options.minScaleBits));
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
    private static Plan precision(Plan plan, List<double[]> runs, Calibration cal, Options options) {
        if (!options.precisionCheck || cal.synthetic || !Double.isFinite(cal.margin)) {
            return plan;
        }
        double predicted = 0;
        for (int k = 0; k < Math.min(NOISE_RUNS, runs.size()); k++) {
            predicted = Math.max(predicted, plan.predictedError(runs.get(k)));
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

    /** For each stage, the fewest levels it and the stages after it need. */
    static int[] minRemainingDepth(List<Stage> stages) {
        int[] r = new int[stages.size() + 1];
        for (int i = stages.size() - 1; i >= 0; i--) {
            Stage s = stages.get(i);
            int d;
            if (!s.isLinear()) {
                d = 1;
            } else if (isIdentity(s.map) || s.pool != null) {
                d = 0;
            } else {
                d = 1;
            }
            r[i] = r[i + 1] + d;
        }
        return r;
    }

    static boolean isIdentity(AffineMap m) {
        if (m.inputs() != m.outputs()) {
            return false;
        }
        for (int o = 0; o < m.outputs(); o++) {
            if (m.columns(o).length != 1 || m.columns(o)[0] != o || m.weights(o)[0] != 1 || m.bias(o) != 0) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException refusal(Network net, List<Stage> stages, Calibration cal, Options options,
            int[] minDepth, String slotFailure, List<String> notes) {
        int largest = options.parameters != null ? options.parameters.ringDegree() : Arrays.stream(options.ringDegrees).max().getAsInt();
        double rangeBits = cal.outputBits(options.rangeMargin);
        if (rangeBits + options.minScaleBits + 1 > 60) {
            Stage last = stages.get(stages.size() - 1);
            return new IllegalArgumentException(String.format(Locale.ROOT,
                    "range: %s produces values up to %.4g (2^%.1f with the margin %.0f) on the calibration inputs; with a scale"
                            + " of 2^%d the first prime would need %.0f bits, more than 60", last.label, cal.outputMax(), rangeBits,
                    options.rangeMargin, options.minScaleBits, Math.ceil(rangeBits + options.minScaleBits + 1)));
        }
        int maxLevels = options.parameters != null ? options.parameters.maxLevel()
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
                            + " the levels run out at %s", minDepth[0], largest, options.security, maxLevels,
                    options.minScaleBits, at));
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
