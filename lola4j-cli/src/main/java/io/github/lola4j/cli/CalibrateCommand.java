package io.github.lola4j.cli;

import io.github.lola4j.lola.CostFit;
import io.github.lola4j.lola.CostModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/** {@code calibrate}: measures the operation times the compiler prices plans with, on this machine. */
final class CalibrateCommand implements Command {


    /** Creates the command. */
    public CalibrateCommand() {
    }

    @Override
    public Spec spec() {
        return Spec.of("calibrate", "measure the compiler's cost model on this machine")
                .synopsis("lola4j calibrate [--ring-degree N[,N...]] [--out FILE]")
                .description("Times every homomorphic operation the compiler counts (rotation, hoisted rotation, products,",
                        "rescale, addition) at each limb count, single thread, and writes the table the compiler then",
                        "prefers to the one built into the jar. Takes about two minutes for the three default degrees;",
                        "run it on a quiet machine. Then prints each operation's least-squares curve in the limb count",
                        "and warns when a measurement lies more than 15 % from it (a busy machine).")
                .option("ring-degree", "N,...", "the ring degrees (default 8192,16384,32768)")
                .option("out", "FILE", "where to write (default " + CostModel.userTable() + ")");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        int[] n;
        try {
            n = Arrays.stream(o.get("ring-degree", "8192,16384,32768").split(",")).map(String::trim)
                    .mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("option --ring-degree expects integers separated by commas");
        }
        for (int d : n) {
            if (d < 1024 || d > 65536 || Integer.bitCount(d) != 1) {
                throw new UsageException("option --ring-degree: " + d + " is not a power of two in [1024, 65536]");
            }
        }
        Path file = o.has("out") ? Path.of(o.get("out", "")) : CostModel.userTable();
        // under a bar the per-limb lines would fight it for the line; the fit's table comes after either way
        io.github.lola4j.format.Progress p = o.progress();
        CostModel m = CostModel.measure(n, p == io.github.lola4j.format.Progress.none() ? err : null, p);
        m.write(file);
        out.println("wrote " + file + " (" + m.source() + ")");
        // each operation's times against a least-squares curve in the limb count: a measurement
        // far from it was most likely taken while something else ran
        out.println("least-squares curves, t(l) = a + b l + c l^2 in the limb count l:");
        int noisy = 0;
        if (m.fits().isEmpty()) {
            out.println("  none: a curve needs at least four limb counts, and these ring degrees allow fewer");
        }
        for (CostFit f : m.fits()) {
            out.println("  " + f.describe());
            if (f.noisy()) {
                noisy++;
            }
        }
        if (noisy > 0) {
            err.printf(Locale.ROOT, "warning: %d operation(s) have a measurement more than %.0f %% from their curve: the machine"
                    + " was probably busy; run calibrate again on a quiet machine%n", noisy, 100 * CostFit.NOISY_DEVIATION);
        }
        return 0;
    }
}
