package io.github.lola4j.cli;

import io.github.lola4j.lola.PlanReport;
import io.github.lola4j.lola.PrecisionLedger;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * Charts of what the commands print, as PNG files (XChart, rendered without a display): the plan's
 * predicted time per step (beside a measured time when one is known), the precision ledger's error
 * and headroom per step, and a histogram of measured latencies.
 *
 * <p>Every method takes plain data and one path, validates the data before it touches the file
 * system, renders the whole image in memory, then writes it with {@link Pipeline#writeAtomically}: to
 * a temporary file of its own in the same folder, renamed over {@code FILE}. A failure leaves no file
 * and no partial file behind, a reader never sees half an image, and two processes plotting to one
 * path do not write into one temporary file. The path is used as given (no extension is added). Sizes: each
 * chart, or each panel of a combined chart, is {@link #WIDTH} x {@link #HEIGHT} pixels; panels stack
 * from top to bottom.
 */
final class Charts {

    static {
        // First in the class, before the colours below load java.awt.Color: AWT picks its display
        // or headless native library once, at its first class, and with DISPLAY set but no X server
        // to reach (ssh, CI) the display one fails, although drawing into an image needs no display.
        // A caller who set the property either way keeps their choice.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The width of every chart, in pixels. */
    static final int WIDTH = 800;
    /** The height of one chart or one panel of a combined chart, in pixels. */
    static final int HEIGHT = 500;

    // Okabe-Ito colours: told apart with the common colour-vision deficiencies and in grey print.
    /** The plan's predicted times. */
    static final Color PREDICTED = new Color(0x0072B2);
    /** Measured times per step. */
    static final Color MEASURED = new Color(0xE69F00);
    /** The ledger's log2 error. */
    static final Color ERROR = new Color(0xD55E00);
    /** The ledger's headroom. */
    static final Color HEADROOM = new Color(0x009E73);
    /** The latency histogram's bars. */
    static final Color LATENCY = new Color(0x56B4E9);
    /** The histogram bar that holds the median. */
    static final Color MEDIAN = new Color(0xCC79A7);

    /** Step labels longer than this are cut: a category axis of 30 steps must stay legible. */
    static final int MAX_LABEL = 28;
    /** Above this many steps, their labels are drawn at 45 degrees: about 110 pixels fit one upright. */
    private static final int UPRIGHT_STEPS = 6;
    /** Above this many bins, the histogram's labels are drawn at 45 degrees: about 50 pixels fit one upright. */
    private static final int UPRIGHT_BINS = 14;

    private static final Pattern LAYER_TAG = Pattern.compile("\\(layers? ([0-9]+(?:-[0-9]+)?)\\)");

    private Charts() {
    }

    /**
     * The plan's predicted time per step, one bar per step, {@link #WIDTH} x {@link #HEIGHT}.
     *
     * @param report the plan report (its steps' {@code predictedMillis})
     * @param png    the file to create or replace
     * @throws IllegalArgumentException when the report has no steps
     * @throws IOException              when the folder of {@code png} does not exist, is not a folder or
     *                                  is not writable, or the file cannot be written (the message names it)
     */
    static void planChart(PlanReport report, Path png) throws IOException {
        write(List.of(plan(report, null)), png);
    }

    /**
     * The plan's predicted time per step beside the measured one, two bars per step, {@link #WIDTH} x
     * {@link #HEIGHT}.
     *
     * @param report     the plan report
     * @param measuredMs the measured time of each step in milliseconds, in the report's step order
     * @param png        the file to create or replace
     * @throws IllegalArgumentException when the report has no steps, or measuredMs does not hold one
     *                                  finite, non-negative time per step
     * @throws IOException              as {@link #planChart(PlanReport, Path)}
     */
    static void planChart(PlanReport report, double[] measuredMs, Path png) throws IOException {
        Objects.requireNonNull(measuredMs, "measuredMs");
        write(List.of(plan(report, measuredMs)), png);
    }

    /**
     * The precision ledger per step, two bars in bits: log2 of the largest error against the
     * plaintext twin (negative: -20 is an error of about 1e-6) and the headroom left before a slot
     * overflows its level's modulus. A step whose error is exactly 0 or whose slots are all 0 (an
     * infinite logarithm) has no bar for that figure. {@link #WIDTH} x {@link #HEIGHT}.
     *
     * @param ledger the ledger
     * @param png    the file to create or replace
     * @throws IllegalArgumentException when the ledger has no entries
     * @throws IOException              as {@link #planChart(PlanReport, Path)}
     */
    static void precisionChart(PrecisionLedger ledger, Path png) throws IOException {
        write(List.of(precision(ledger)), png);
    }

    /**
     * A histogram of measured latencies, the bar that holds the median in its own colour and the
     * median in the title. {@link #WIDTH} x {@link #HEIGHT}; the bins are those of {@link #bins}.
     *
     * @param latenciesMs the latencies in milliseconds (not modified)
     * @param png         the file to create or replace
     * @throws IllegalArgumentException when latenciesMs is empty or holds a value that is not finite
     *                                  and non-negative
     * @throws IOException              as {@link #planChart(PlanReport, Path)}
     */
    static void latencyHistogram(double[] latenciesMs, Path png) throws IOException {
        write(List.of(latency(latenciesMs)), png);
    }

    /**
     * What {@code infer} measured, in one PNG of two panels, {@link #WIDTH} x 2 {@link #HEIGHT}: the
     * plan's predicted time per step on top, the histogram of the measured latencies below. One file,
     * so that the path the user gave is the only one written.
     *
     * @param report      the plan report
     * @param latenciesMs the measured latencies in milliseconds
     * @param png         the file to create or replace
     * @throws IllegalArgumentException as {@link #planChart(PlanReport, Path)} and {@link #latencyHistogram}
     * @throws IOException              as {@link #planChart(PlanReport, Path)}
     */
    static void inferChart(PlanReport report, double[] latenciesMs, Path png) throws IOException {
        write(List.of(plan(report, null), latency(latenciesMs)), png);
    }

    /**
     * As {@link #inferChart(PlanReport, double[], Path)} with a third panel below, the precision
     * ledger: {@link #WIDTH} x 3 {@link #HEIGHT}.
     *
     * @param report      the plan report
     * @param latenciesMs the measured latencies in milliseconds
     * @param ledger      the precision ledger of one of the evaluations
     * @param png         the file to create or replace
     * @throws IllegalArgumentException as the three single charts
     * @throws IOException              as {@link #planChart(PlanReport, Path)}
     */
    static void inferChart(PlanReport report, double[] latenciesMs, PrecisionLedger ledger, Path png) throws IOException {
        write(List.of(plan(report, null), latency(latenciesMs), precision(ledger)), png);
    }

    /**
     * A step's name on a chart's axis: its index, the kernel's kind and the network layers it runs,
     * e.g. "2 diagonal L2-3" for "diagonal flatten + dense 845->10 (layers 2-3): ..."; a conversion
     * keeps the kernel's words before its colon ("3 replicate x4").
     *
     * @param index  the step index
     * @param layers the step's layers as the report gives them
     * @param kernel the step's kernel as the report gives it
     * @return at most {@link #MAX_LABEL} characters
     */
    static String stepLabel(int index, String layers, String kernel) {
        int colon = kernel.indexOf(':');
        String head = colon < 0 ? kernel : kernel.substring(0, colon);
        // A kernel's text is its kind, then the stage label (the step's layers): keep the kind.
        int at = head.indexOf(" " + layers);
        String kind = at > 0 ? head.substring(0, at) : head;
        String tag = "";
        Matcher m = LAYER_TAG.matcher(layers);
        while (m.find()) {
            tag = " L" + m.group(1);
        }
        String label = index + " " + kind + tag;
        return label.length() <= MAX_LABEL ? label : label.substring(0, MAX_LABEL - 3) + "...";
    }

    /**
     * The latency histogram's bins: between 5 and 40 of equal width (the Rice rule, 2 n^(1/3), within
     * those bounds) from the smallest to the largest latency; when all are equal, 5 bins over 10 % of
     * the value (at least 0.001 ms) centred on it.
     *
     * @param centres   the bins' centres
     * @param counts    how many latencies fall in each (the largest in the last bin)
     * @param median    the median (R-7, as infer prints it)
     * @param medianBin the bin that holds the median
     */
    record Bins(List<Double> centres, List<Double> counts, double median, int medianBin) {
    }

    /**
     * Bins latencies for the histogram.
     *
     * @param latenciesMs the latencies in milliseconds (not modified)
     * @return the bins
     * @throws IllegalArgumentException when latenciesMs is empty or holds a value that is not finite
     *                                  and non-negative
     */
    static Bins bins(double[] latenciesMs) {
        Objects.requireNonNull(latenciesMs, "latenciesMs");
        if (latenciesMs.length == 0) {
            throw new IllegalArgumentException("latenciesMs: no latencies to draw");
        }
        List<Double> data = new ArrayList<>(latenciesMs.length);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < latenciesMs.length; i++) {
            double v = latenciesMs[i];
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("latenciesMs[" + i + "] is " + v + "; a latency is finite and not negative");
            }
            data.add(v);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        int n = data.size();
        int count = Math.max(5, Math.min(40, (int) Math.ceil(2 * Math.cbrt(n))));
        if (hi == lo) {
            // XChart would put every value in the first bin of a zero-width range
            double span = Math.max(Math.abs(lo) * 0.1, 1e-3);
            lo -= span / 2;
            hi += span / 2;
        }
        Histogram h = new Histogram(data, count, lo, hi);
        double median = Stats.quantile(data, 0.5);
        int medianBin = Math.min(count - 1, (int) ((median - lo) / ((hi - lo) / count)));
        return new Bins(h.getxAxisData(), h.getyAxisData(), median, medianBin);
    }

    private static CategoryChart plan(PlanReport report, double[] measuredMs) {
        Objects.requireNonNull(report, "report");
        List<PlanReport.Step> steps = report.steps();
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("report: the plan report of " + report.model() + " has no steps");
        }
        if (measuredMs != null && measuredMs.length != steps.size()) {
            throw new IllegalArgumentException("measuredMs: " + measuredMs.length + " times for the " + steps.size()
                    + " steps of the plan");
        }
        List<String> labels = new ArrayList<>();
        List<Double> predicted = new ArrayList<>();
        List<Double> measured = new ArrayList<>();
        double measuredTotal = 0;
        for (int i = 0; i < steps.size(); i++) {
            PlanReport.Step s = steps.get(i);
            labels.add(stepLabel(s.index(), s.layers(), s.kernel()));
            predicted.add(s.predictedMillis());
            if (measuredMs != null) {
                double v = measuredMs[i];
                if (!Double.isFinite(v) || v < 0) {
                    throw new IllegalArgumentException("measuredMs[" + i + "] is " + v + "; a time is finite and not negative");
                }
                measured.add(v);
                measuredTotal += v;
            }
        }
        String title = String.format(Locale.ROOT, "%s, N = %d: predicted %.1f ms per evaluation (one thread)%s", report.model(),
                report.ringDegree(), report.predictedSeconds() * 1e3,
                measuredMs == null ? "" : String.format(Locale.ROOT, ", measured %.1f ms", measuredTotal));
        CategoryChart c = chart(title, "plan step (index, kernel, network layers)", "milliseconds", steps.size() > UPRIGHT_STEPS);
        c.addSeries("predicted (cost model)", labels, predicted);
        if (measuredMs == null) {
            c.getStyler().setSeriesColors(new Color[] {PREDICTED});
        } else {
            c.addSeries("measured", labels, measured);
            c.getStyler().setSeriesColors(new Color[] {PREDICTED, MEASURED});
        }
        return c;
    }

    private static CategoryChart precision(PrecisionLedger ledger) {
        Objects.requireNonNull(ledger, "ledger");
        List<PrecisionLedger.Entry> entries = ledger.entries();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("ledger: the precision ledger has no entries");
        }
        List<String> labels = new ArrayList<>();
        List<Double> error = new ArrayList<>();
        List<Double> headroom = new ArrayList<>();
        double least = Double.POSITIVE_INFINITY;
        for (PrecisionLedger.Entry e : entries) {
            labels.add(stepLabel(e.step(), e.layers(), e.kernel()));
            // null draws no bar: an infinite logarithm has no height to draw
            error.add(Double.isFinite(e.log2Error()) ? e.log2Error() : null);
            headroom.add(Double.isFinite(e.headroomBits()) ? e.headroomBits() : null);
            least = Math.min(least, e.headroomBits());
        }
        String title = String.format(Locale.ROOT, "precision ledger: error against the plaintext twin and headroom"
                + " (smallest %.1f bits)", least);
        CategoryChart c = chart(title, "plan step (index, kernel, network layers)", "bits", entries.size() > UPRIGHT_STEPS);
        c.addSeries("log2 of the largest error", labels, error);
        c.addSeries("headroom before overflow", labels, headroom);
        c.getStyler().setSeriesColors(new Color[] {ERROR, HEADROOM});
        return c;
    }

    private static CategoryChart latency(double[] latenciesMs) {
        Bins b = bins(latenciesMs);
        double width = b.centres().size() > 1 ? b.centres().get(1) - b.centres().get(0) : 1;
        List<Double> medianOnly = new ArrayList<>(Collections.nCopies(b.counts().size(), 0.0));
        medianOnly.set(b.medianBin(), b.counts().get(b.medianBin()));
        double[] sorted = latenciesMs.clone();
        Arrays.sort(sorted);
        String title = String.format(Locale.ROOT, "%d evaluations: median %s ms (from %s to %s ms)", sorted.length,
                fixed(b.median(), width), fixed(sorted[0], width), fixed(sorted[sorted.length - 1], width));
        CategoryChart c = chart(title, "latency, ms (bin centres)", "evaluations", b.centres().size() > UPRIGHT_BINS);
        c.addSeries("evaluations", b.centres(), b.counts());
        c.addSeries(String.format(Locale.ROOT, "the bin of the median, %s ms", fixed(b.median(), width)), b.centres(), medianOnly);
        // the median's bar is drawn over its bin's, both from the same count
        c.getStyler().setOverlapped(true);
        c.getStyler().setAvailableSpaceFill(0.98);
        c.getStyler().setXAxisDecimalPattern(decimalPattern(width));
        c.getStyler().setSeriesColors(new Color[] {LATENCY, MEDIAN});
        return c;
    }

    /** Enough decimals to tell neighbouring bins apart: one more than the bin width's first digit needs. */
    private static int decimals(double width) {
        return Math.max(0, Math.min(6, 1 - (int) Math.floor(Math.log10(width))));
    }

    private static String decimalPattern(double width) {
        int d = decimals(width);
        return d == 0 ? "#0" : "#0." + "0".repeat(d);
    }

    private static String fixed(double v, double width) {
        return String.format(Locale.ROOT, "%." + decimals(width) + "f", v);
    }

    private static CategoryChart chart(String title, String xTitle, String yTitle, boolean slantedLabels) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        CategoryStyler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setChartBackgroundColor(Color.WHITE);
        s.setXAxisLabelRotation(slantedLabels ? 45 : 0);
        return c;
    }

    /**
     * Checks that a chart can be written at a path, as every chart method does before writing: a
     * command that measures for minutes calls it first, so that a mistyped folder fails before the
     * run, not after it.
     *
     * @param png the file a chart will be written to
     * @throws IOException when its folder does not exist, is not a folder or is not writable (the
     *                     message names the folder)
     */
    static void checkFolder(Path png) throws IOException {
        Objects.requireNonNull(png, "png");
        Path dir = png.toAbsolutePath().getParent();
        if (dir == null) {
            throw new IOException("--plot: " + png + " names a folder, not a file");
        }
        if (!Files.exists(dir)) {
            throw new IOException("--plot: the folder " + dir + " does not exist (for " + png + ")");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("--plot: " + dir + " is not a folder (for " + png + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("--plot: the folder " + dir + " is not writable (for " + png + ")");
        }
    }

    /** Renders the charts as one PNG, panels from top to bottom, and writes it atomically. */
    private static void write(List<CategoryChart> panels, Path png) throws IOException {
        Objects.requireNonNull(png, "png");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (panels.size() == 1) {
            BitmapEncoder.saveBitmap(panels.get(0), bytes, BitmapEncoder.BitmapFormat.PNG);
        } else {
            BitmapEncoder.saveBitmap(panels, panels.size(), 1, bytes, BitmapEncoder.BitmapFormat.PNG);
        }
        checkFolder(png);
        Path file = png.toAbsolutePath();
        try {
            // the pipeline's writer: a unique temporary file, removed on failure, renamed over the old chart
            Pipeline.writeAtomically(file, true, "--plot", false, bytes::writeTo);
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? "it is a folder" : e.getMessage();
            throw new IOException("--plot: cannot write " + file + ": " + why, e);
        }
    }
}
