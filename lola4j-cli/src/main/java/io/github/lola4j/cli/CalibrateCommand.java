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
                        "with the residual of each measurement, and the machine's load.")
                .option("ring-degree", "N,...", "the ring degrees (default 8192,16384,32768)")
                .option("out", "FILE", "where to write (default " + CostModel.userTable() + ")")
                .flag("force", "write the table even when the machine was busy or a measurement is far from its curve")
                .footer("A table measured on a busy machine (load average above the core count, at the start or the end)",
                        "or with a measurement more than 15 % from its curve is not written unless --force: every later",
                        "plan would take its times. exit code: 0 when written, 1 when refused, 2 on a usage error.");
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
        double loadBefore = MachineLoad.now();
        // under a bar the per-limb lines would fight it for the line; the fit's table comes after either way
        io.github.lola4j.format.Progress p = o.progress();
        CostModel m = CostModel.measure(n, p == io.github.lola4j.format.Progress.none() ? err : null, p);
        double load = Math.max(loadBefore, MachineLoad.now());
        // each operation's times against a least-squares curve in the limb count: a measurement
        // far from it was most likely taken while something else ran
        out.println("least-squares curves, t(l) = a + b l + c l^2 in the limb count l, and each measurement's residual:");
        int noisy = 0;
        if (m.fits().isEmpty()) {
            out.println("  none: a curve needs at least four limb counts, and these ring degrees allow fewer");
        }
        for (CostFit f : m.fits()) {
            out.println("  " + f.describe());
            StringBuilder r = new StringBuilder("      residuals:");
            double[] res = f.relativeResiduals();
            for (int i = 0; i < res.length; i++) {
                r.append(String.format(Locale.ROOT, " %d limbs %+.1f %%%s", f.limbs()[i], 100 * res[i], i + 1 < res.length ? "," : ""));
            }
            out.println(r);
            if (f.noisy()) {
                noisy++;
            }
        }
        out.println("machine   " + MachineLoad.describe(load) + " (the highest of the start and the end)");
        boolean busy = MachineLoad.busy(load);
        if (busy || noisy > 0) {
            String why = (busy ? "the machine was busy (" + MachineLoad.describe(load) + ")" : "")
                    + (busy && noisy > 0 ? " and " : "") + (noisy > 0 ? String.format(Locale.ROOT,
                            "%d operation(s) have a measurement more than %.0f %% from their curve", noisy, 100 * CostFit.NOISY_DEVIATION)
                            : "");
            if (!o.has("force")) {
                err.println("lola4j calibrate: not written: " + why + "; such a table would mislead every later plan. Run it"
                        + " again on a quiet machine, or pass --force to write it anyway");
                return 1;
            }
            err.println("warning: " + why + "; written anyway (--force)");
        }
        m.write(file);
        out.println("wrote " + file + " (" + m.source() + ")");
        return 0;
    }
}
