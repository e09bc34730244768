package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.PlanReport;
import io.github.lola4j.lola.PrecisionLedger;
import io.github.lola4j.models.ModelRegistry;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The charts of a real plan (lola-small, compiled once) and of a precision ledger: each PNG decodes
 * to the documented size, is not blank and shows its series' colours in proportion to the data; the
 * histogram's bins against hand-counted ones; bad data and bad paths fail with messages naming them
 * and leave no file behind.
 */
class ChartsTest {

    private static PlanReport report;
    private static PrecisionLedger ledger;

    @BeforeAll
    static void compile() throws IOException {
        // one ring degree: the plan N = 8192 has anyway, without searching the larger ones
        report = LolaCompiler.compile(ModelRegistry.load("lola-small"), CompileOptions.lowLatency().withRingDegrees(8192)).report();
        // The figures PrecisionLedger.measure printed for this plan on a random image (keys and an
        // encrypted evaluation would triple this test's time; the chart reads only the record).
        ledger = new PrecisionLedger(List.of(
                new PrecisionLedger.Entry(0, report.steps().get(0).layers(), report.steps().get(0).kernel(), 2, 39, 1.08e-8,
                        log2(1.08e-8), 1.08e-8, 1.860, 85.1),
                new PrecisionLedger.Entry(1, report.steps().get(1).layers(), report.steps().get(1).kernel(), 1, 39, 2.22e-8,
                        log2(2.22e-8), 2.22e-8, 3.458, 45.2),
                new PrecisionLedger.Entry(2, report.steps().get(2).layers(), report.steps().get(2).kernel(), 0, 39, 1.54e-7,
                        log2(1.54e-7), 1.54e-7, 22.79, 3.5)));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static BufferedImage read(Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " was not written");
        BufferedImage im = ImageIO.read(png.toFile());
        assertNotNull(im, png + " is not an image ImageIO reads");
        return im;
    }

    private static int[] rgb(BufferedImage im) {
        return im.getRGB(0, 0, im.getWidth(), im.getHeight(), null, 0, im.getWidth());
    }

    /** Pixels of exactly this colour. */
    private static long pixels(BufferedImage im, Color c) {
        long n = 0;
        for (int p : rgb(im)) {
            n += (p & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF) ? 1 : 0;
        }
        return n;
    }

    /** The variance of the pixels' grey level: 0 for a blank image. */
    private static double variance(BufferedImage im) {
        double sum = 0;
        double sq = 0;
        int[] px = rgb(im);
        for (int p : px) {
            double g = ((p >> 16 & 255) + (p >> 8 & 255) + (p & 255)) / 3.0;
            sum += g;
            sq += g * g;
        }
        return sq / px.length - (sum / px.length) * (sum / px.length);
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    @Test
    void stepLabelsNameTheKernelAndTheLayers() {
        List<String> labels = new ArrayList<>();
        for (PlanReport.Step s : report.steps()) {
            labels.add(Charts.stepLabel(s.index(), s.layers(), s.kernel()));
        }
        assertEquals(List.of("0 convolution L0", "1 activation L1", "2 diagonal L2-3"), labels);
        assertEquals("3 replicate x4", Charts.stepLabel(3, "conversion", "replicate x4: 2 rotations -> stacked 845 in 4 x 1024"));
        String longer = Charts.stepLabel(12, "conv2d 5x5 (layer 10)", "scalar convolution with a very long name conv2d 5x5 (layer 10): x");
        assertEquals(Charts.MAX_LABEL, longer.length(), longer);
        assertTrue(longer.startsWith("12 scalar convolution") && longer.endsWith("..."), longer);
    }

    @Test
    void planChartShowsPredictedAndMeasuredBarsInProportion(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("plan.png");
        Charts.planChart(report, png);
        BufferedImage im = read(png);
        assertEquals("true", System.getProperty("java.awt.headless"));
        assertEquals(Charts.WIDTH, im.getWidth());
        assertEquals(Charts.HEIGHT, im.getHeight());
        assertTrue(variance(im) > 0, "blank image");
        long predictedOnly = pixels(im, Charts.PREDICTED);
        assertTrue(predictedOnly > 1000, "predicted bars: " + predictedOnly + " pixels");
        assertEquals(0, pixels(im, Charts.MEASURED));

        // measured twice the prediction: the measured bars cover about twice the area (same width)
        double[] measured = new double[report.steps().size()];
        for (int i = 0; i < measured.length; i++) {
            measured[i] = 2 * report.steps().get(i).predictedMillis();
        }
        Path both = dir.resolve("plan-measured.png");
        Charts.planChart(report, measured, both);
        BufferedImage im2 = read(both);
        double ratio = (double) pixels(im2, Charts.MEASURED) / pixels(im2, Charts.PREDICTED);
        assertTrue(ratio > 1.8 && ratio < 2.2, "measured / predicted bar area " + ratio);
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void precisionChartShowsErrorAndHeadroom(@TempDir Path dir) throws IOException {
        assertEquals(report.steps().size(), ledger.entries().size());
        Path png = dir.resolve("precision.png");
        Charts.precisionChart(ledger, png);
        BufferedImage im = read(png);
        assertEquals(Charts.WIDTH, im.getWidth());
        assertEquals(Charts.HEIGHT, im.getHeight());
        assertTrue(variance(im) > 0, "blank image");
        // bars of equal width from 0: their areas are in the ratio of the bits they show
        double bits = 0;
        double errorBits = 0;
        for (PrecisionLedger.Entry e : ledger.entries()) {
            bits += e.headroomBits();
            errorBits += -e.log2Error();
        }
        double ratio = (double) pixels(im, Charts.HEADROOM) / pixels(im, Charts.ERROR);
        assertTrue(Math.abs(ratio / (bits / errorBits) - 1) < 0.1, "headroom / error bar area " + ratio + ", bits "
                + bits / errorBits);
    }

    @Test
    void anInfiniteLogarithmDrawsNoBar(@TempDir Path dir) throws IOException {
        // an error of exactly 0 (log2 -infinity) and all-zero slots (headroom +infinity) on every step
        PrecisionLedger zeros = new PrecisionLedger(List.of(
                new PrecisionLedger.Entry(0, "square (layer 1)", "activation square (layer 1): 1 product", 2, 30, 0,
                        Double.NEGATIVE_INFINITY, Double.NaN, 0, Double.POSITIVE_INFINITY)));
        Path png = dir.resolve("zeros.png");
        Charts.precisionChart(zeros, png);
        BufferedImage im = read(png);
        // the legend's swatches remain (about 20 x 20 pixels each), the bars do not
        assertTrue(pixels(im, Charts.ERROR) < 500, "error pixels " + pixels(im, Charts.ERROR));
        assertTrue(pixels(im, Charts.HEADROOM) < 500, "headroom pixels " + pixels(im, Charts.HEADROOM));
    }

    /** Draws a chart in a child JVM of {@link #aDisplayThatCannotBeReachedIsNotUsed}. */
    static final class DrawWithoutDisplay {
        public static void main(String[] args) throws IOException {
            Charts.latencyHistogram(new double[] {1, 2, 3}, Path.of(args[0]));
        }
    }

    @Test
    void aDisplayThatCannotBeReachedIsNotUsed(@TempDir Path dir) throws Exception {
        // A fresh JVM: this one's AWT may have decided already. With DISPLAY naming no X server, AWT
        // out of headless mode fails to connect (it did while Charts set the property too late).
        Path png = dir.resolve("no-display.png");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), DrawWithoutDisplay.class.getName(), png.toString());
        pb.environment().put("DISPLAY", ":4077");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), output);
        assertEquals(Charts.HEIGHT, read(png).getHeight());
    }

    @Test
    void histogramBinsKnownValues() {
        Charts.Bins b = Charts.bins(new double[] {30, 10, 20, 10, 10});
        // 5 bins (the minimum) over [10, 30], width 4; 30 falls in the last bin
        assertEquals(List.of(12.0, 16.0, 20.0, 24.0, 28.0), b.centres());
        assertEquals(List.of(3.0, 0.0, 1.0, 0.0, 1.0), b.counts());
        assertEquals(10.0, b.median(), 0);
        assertEquals(0, b.medianBin());

        Charts.Bins even = Charts.bins(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertEquals(5.5, even.median(), 1e-12); // the mean of the middle two, as infer prints
        assertEquals(2, even.medianBin()); // bins of width 1.8 from 1: 5.5 is in [4.6, 6.4)

        int many = 1000;
        double[] v = new double[many];
        for (int i = 0; i < many; i++) {
            v[i] = i;
        }
        Charts.Bins big = Charts.bins(v);
        assertEquals(20, big.centres().size()); // 2 * 1000^(1/3)
        assertEquals(many, big.counts().stream().mapToDouble(Double::doubleValue).sum(), 0);

        // equal values: 5 bins around the value, all of them in the middle one
        Charts.Bins same = Charts.bins(new double[] {50, 50, 50});
        assertEquals(List.of(0.0, 0.0, 3.0, 0.0, 0.0), same.counts());
        assertEquals(50.0, same.centres().get(2), 1e-9);
        assertEquals(2, same.medianBin());
    }

    @Test
    void latencyHistogramMarksTheMedianBin(@TempDir Path dir) throws IOException {
        double[] ms = new double[40];
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < ms.length; i++) {
            ms[i] = 15 + 3 * r.nextDouble() + (i % 10 == 0 ? 6 : 0);
        }
        Path png = dir.resolve("latency.png");
        Charts.latencyHistogram(ms, png);
        BufferedImage im = read(png);
        assertEquals(Charts.WIDTH, im.getWidth());
        assertEquals(Charts.HEIGHT, im.getHeight());
        assertTrue(variance(im) > 0, "blank image");
        assertTrue(pixels(im, Charts.LATENCY) > 1000, "histogram bars");
        assertTrue(pixels(im, Charts.MEDIAN) > 1000, "median bar");
    }

    @Test
    void inferChartStacksItsPanels(@TempDir Path dir) throws IOException {
        double[] ms = {16.1, 16.4, 17.0, 16.8, 21.5};
        Path two = dir.resolve("infer.png");
        Charts.inferChart(report, ms, two);
        BufferedImage im = read(two);
        assertEquals(Charts.WIDTH, im.getWidth());
        assertEquals(2 * Charts.HEIGHT, im.getHeight());
        assertTrue(pixels(im, Charts.PREDICTED) > 1000 && pixels(im, Charts.LATENCY) > 1000);

        Path three = dir.resolve("infer-ledger.png");
        Charts.inferChart(report, ms, ledger, three);
        BufferedImage im3 = read(three);
        assertEquals(Charts.WIDTH, im3.getWidth());
        assertEquals(3 * Charts.HEIGHT, im3.getHeight());
        assertTrue(pixels(im3, Charts.HEADROOM) > 1000);
        // the same file again: replaced, and no part file stays
        Charts.inferChart(report, ms, two);
        assertEquals(List.of(), leftovers(dir));
    }

    /** The temporary file is the chart's own: a FILE.part of another writer (a second process) is not touched. */
    @Test
    void anotherWritersPartFileIsLeftAlone(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("x.png");
        Path theirs = Files.writeString(dir.resolve("x.png.part"), "another process's half-written chart");
        Charts.latencyHistogram(new double[] {1, 2, 3}, png);
        assertEquals(Charts.HEIGHT, read(png).getHeight());
        assertEquals("another process's half-written chart", Files.readString(theirs));
        assertEquals(List.of(theirs), leftovers(dir));
    }

    @Test
    void emptyOrBadDataFailsNamingIt(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.latencyHistogram(new double[0], png));
        assertEquals("latenciesMs: no latencies to draw", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.latencyHistogram(new double[] {1, Double.NaN}, png));
        assertEquals("latenciesMs[1] is NaN; a latency is finite and not negative", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.latencyHistogram(new double[] {-1}, png));
        assertTrue(e.getMessage().startsWith("latenciesMs[0] is -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.planChart(report, new double[] {1}, png));
        assertEquals("measuredMs: 1 times for the 3 steps of the plan", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.planChart(report, new double[] {1, -2, 3}, png));
        assertTrue(e.getMessage().startsWith("measuredMs[1] is -2.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.precisionChart(new PrecisionLedger(List.of()), png));
        assertEquals("ledger: the precision ledger has no entries", e.getMessage());
        PlanReport none = new PlanReport("empty", "[1]", 1, 8192, 4096, new int[] {40}, new int[] {44}, 1, 30, 84, 128, 0, false,
                List.of(), 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, "test", "test", 0, Double.NaN, Double.NaN, List.of(), List.of());
        e = assertThrows(IllegalArgumentException.class, () -> Charts.planChart(none, png));
        assertEquals("report: the plan report of empty has no steps", e.getMessage());
        assertThrows(NullPointerException.class, () -> Charts.planChart(report, null, png));
        assertFalse(Files.exists(png));
    }

    @Test
    void badPathsFailNamingTheFolderAndLeaveNothing(@TempDir Path dir) throws IOException {
        double[] ms = {1, 2, 3};
        Path missing = dir.resolve("no-such-folder").resolve("x.png");
        IOException e = assertThrows(IOException.class, () -> Charts.latencyHistogram(ms, missing));
        assertEquals("--plot: the folder " + missing.getParent() + " does not exist (for " + missing + ")", e.getMessage());

        // the same check alone, as a command makes it before a long run
        e = assertThrows(IOException.class, () -> Charts.checkFolder(missing));
        assertTrue(e.getMessage().contains(missing.getParent().toString()), e.getMessage());
        Charts.checkFolder(dir.resolve("fine.png"));
        assertFalse(Files.exists(dir.resolve("fine.png")));

        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        e = assertThrows(IOException.class, () -> Charts.latencyHistogram(ms, file.resolve("x.png")));
        assertEquals("--plot: " + file + " is not a folder (for " + file.resolve("x.png") + ")", e.getMessage());

        // the rename onto a folder fails after the part file was written: the part file goes too
        Path folder = Files.createDirectories(dir.resolve("taken.png"));
        Files.writeString(folder.resolve("inside"), "keeps the folder non-empty");
        e = assertThrows(IOException.class, () -> Charts.latencyHistogram(ms, folder));
        assertEquals("--plot: cannot write " + folder + ": it is a folder", e.getMessage());
        assertEquals(List.of(), leftovers(dir));
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void aReadOnlyFolderIsNamed(@TempDir Path dir) throws IOException {
        Path ro = Files.createDirectories(dir.resolve("read-only"));
        assertTrue(ro.toFile().setWritable(false, false));
        try {
            // root may write anywhere: there the folder is writable and the chart is written
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root: every folder is writable");
            Path png = ro.resolve("x.png");
            IOException e = assertThrows(IOException.class, () -> Charts.latencyHistogram(new double[] {1}, png));
            assertEquals("--plot: the folder " + ro + " is not writable (for " + png + ")", e.getMessage());
            assertFalse(Files.exists(png));
        } finally {
            ro.toFile().setWritable(true, false);
        }
    }

    /** plan --plot draws the chart after the report; a folder that does not exist is refused before the compile. */
    @Test
    void planCommandDrawsItsChartOrRefusesAMissingFolderAtOnce(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("plan.png");
        CliTestSupport.Run r = CliTestSupport.run("plan", "--model", "lola-small", "--ring-degree", "8192", "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("chart     " + png + " (predicted time per step)"), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        Path missing = dir.resolve("no-such-folder").resolve("plan.png");
        CliTestSupport.Run refused = CliTestSupport.run("plan", "--model", "lola-small", "--plot", missing.toString());
        assertEquals(3, refused.code(), refused.err());
        assertEquals("lola4j plan: --plot: the folder " + missing.getParent() + " does not exist (for " + missing + ")",
                refused.err().strip());
        // the message is all of stderr: no "compiled ..." line, so the compile never started
        assertTrue(refused.out().isEmpty(), "refused before the compile printed anything: " + refused.out());
    }
}
