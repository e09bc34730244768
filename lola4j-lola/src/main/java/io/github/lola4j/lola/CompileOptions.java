package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.SecurityLevel;
import io.github.lola4j.format.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compile options. Immutable; the {@code with} methods return modified copies.
 */
public final class CompileOptions {
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
    private Progress progress = Progress.none();

    private CompileOptions() {
    }

    private CompileOptions copy() {
        CompileOptions o = new CompileOptions();
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
        o.progress = progress;
        return o;
    }

    /**
     * Whether a candidate must predict a score error below the calibration margin (default on;
     * it applies only with calibration data, synthetic inputs' margins say nothing).
     *
     * @param on the check
     * @return the options
     */
    public CompileOptions withPrecisionCheck(boolean on) {
        CompileOptions o = copy();
        o.precisionCheck = on;
        return o;
    }

    /** Whether the predicted score error must stay below the calibration margin. */
    public boolean precisionCheck() {
        return precisionCheck;
    }

    /** One image at a time, lowest server latency: the defaults. */
    public static CompileOptions lowLatency() {
        return new CompileOptions();
    }

    /** Throughput: the SIMD batch representation (CryptoNets), one image per slot, as many as slots. */
    public static CompileOptions batch() {
        CompileOptions o = new CompileOptions();
        o.batch = -1;
        return o;
    }

    /**
     * The security level the parameters must meet.
     *
     * @param level the level ({@link SecurityLevel#NONE} for tests only)
     * @return the options
     */
    public CompileOptions withSecurity(SecurityLevel level) {
        CompileOptions o = copy();
        o.security = Objects.requireNonNull(level, "level");
        return o;
    }

    /**
     * The ring degrees to consider (the compiler picks the cheapest that fits).
     *
     * @param degrees powers of two from 1024 to 65536
     * @return the options
     */
    public CompileOptions withRingDegrees(int... degrees) {
        if (degrees.length == 0) {
            throw new IllegalArgumentException("ringDegrees: at least one is needed");
        }
        for (int n : degrees) {
            if (n < 1024 || n > 65536 || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException("ringDegrees: " + n + " is not a power of two in [1024, 65536]");
            }
        }
        CompileOptions o = copy();
        o.ringDegrees = degrees.clone();
        return o;
    }

    /**
     * Fixed parameters, checked instead of chosen: the plan must fit their depth, slots and range.
     *
     * @param params the parameters, or null to let the compiler choose
     * @return the options
     */
    public CompileOptions withParameters(CkksParameters params) {
        CompileOptions o = copy();
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
    public CompileOptions withScaleBits(int min, int max) {
        if (min < 15 || max > 58 || min > max) {
            throw new IllegalArgumentException("scaleBits: need 15 <= min <= max <= 58, got " + min + " and " + max);
        }
        CompileOptions o = copy();
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
    public CompileOptions withRangeMargin(double margin) {
        if (!(margin >= 1) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("rangeMargin must be a finite number >= 1, got " + margin);
        }
        CompileOptions o = copy();
        o.rangeMargin = margin;
        return o;
    }

    /**
     * The bits every slot of every step must stay below overflow on the calibration inputs.
     *
     * @param bits at least 0
     * @return the options
     */
    public CompileOptions withHeadroomBits(double bits) {
        if (!(bits >= 0) || bits > 30) {
            throw new IllegalArgumentException("headroomBits must be in [0, 30], got " + bits);
        }
        CompileOptions o = copy();
        o.headroomBits = bits;
        return o;
    }

    /**
     * Inputs the value ranges are measured on (network inputs, already preprocessed). The inputs
     * the command line calibrates on are {@code io.github.lola4j.data.CalibrationInputs.of(net).inputs()}
     * (module lola4j-data): pass them to get the plan {@code lola4j plan} prints.
     *
     * @param inputs each of the network's input size (checked when compiling); none means what
     *               not calling this means, synthetic inputs ({@link #calibration()}), so that a
     *               calibration policy that found no data needs no special case
     * @return the options
     */
    public CompileOptions withCalibration(List<double[]> inputs) {
        // an empty list is CalibrationInputs' answer when no data is found: the default, not an error
        CompileOptions o = copy();
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
    public CompileOptions withMaxInputCiphertexts(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxInputCiphertexts must be positive, got " + max);
        }
        CompileOptions o = copy();
        o.maxInputCiphertexts = max;
        return o;
    }

    /**
     * How the client lays out its input.
     *
     * @param layout {@link InputLayout#ANY} or {@link InputLayout#DENSE}
     * @return the options
     */
    public CompileOptions withInput(InputLayout layout) {
        CompileOptions o = copy();
        o.input = Objects.requireNonNull(layout, "layout");
        return o;
    }

    /**
     * The batch size in batch mode (images per evaluation; at most the slots).
     *
     * @param images at least 1
     * @return the options, in batch mode
     */
    public CompileOptions withBatchSize(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + images);
        }
        CompileOptions o = copy();
        o.batch = images;
        return o;
    }

    /**
     * The operation times plans are priced with (default: {@link CostModel#load()}).
     *
     * @param model the model
     * @return the options
     */
    public CompileOptions withCostModel(CostModel model) {
        CompileOptions o = copy();
        o.costModel = Objects.requireNonNull(model, "model");
        return o;
    }

    /**
     * Zero the output's other slots (the partial sums of the last layer, which reveal more of
     * the model than its scores) with one more product and level.
     *
     * @return the options
     */
    public CompileOptions withMaskedOutput() {
        CompileOptions o = copy();
        o.maskOutput = true;
        return o;
    }

    /** Whether the output is masked. */
    public boolean maskedOutput() {
        return maskOutput;
    }

    /**
     * Where the compiler reports its phases, as the tasks {@link LolaCompiler} lists; the plan is
     * the same with any progress.
     *
     * @param progress the progress ({@link Progress#none()} by default)
     * @return the options
     */
    public CompileOptions withProgress(Progress progress) {
        CompileOptions o = copy();
        o.progress = Objects.requireNonNull(progress, "progress");
        return o;
    }

    /** Where the compiler reports its phases. */
    public Progress progress() {
        return progress;
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
