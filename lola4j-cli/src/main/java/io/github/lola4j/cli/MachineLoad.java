package io.github.lola4j.cli;

import java.lang.management.ManagementFactory;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How busy the machine is, next to the times a command measures: a latency measured while other
 * programs hold the cores is not the library's, and a predicted latency from a cost table measured
 * long ago, or elsewhere, is not this machine's. The output says which it is rather than leave a
 * reader with two figures that disagree.
 */
final class MachineLoad {

    /** A table older than this is called stale. */
    static final int STALE_DAYS = 180;

    /** The 1-minute load average; tests replace it ("the machine is busy") and restore it. */
    static volatile DoubleSupplier loadAverage = () -> ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    private static final Pattern DATE = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})");

    private MachineLoad() {
    }

    /** The 1-minute load average now, or a negative number where the platform has none (Windows). */
    static double now() {
        return loadAverage.getAsDouble();
    }

    /** The processors this JVM may use. */
    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Whether more runnable work than cores was waiting: then every time measured is too long. */
    static boolean busy(double load) {
        return load > cores();
    }

    /** "load average 3.40 on 2 cores", or that it is unknown. */
    static String describe(double load) {
        return load < 0 ? "load average unknown on " + cores() + " cores"
                : String.format(Locale.ROOT, "load average %.2f on %d cores", load, cores());
    }

    /**
     * What a predicted time is, for the line under a measured one: the cost table it comes from,
     * that it is for one thread, and the run's conditions; with a warning when the machine was busy
     * or the table is stale.
     *
     * @param costSource  the cost model's source ({@code CostModel.source()})
     * @param threads     the threads the measured times used
     * @param load        the highest load average seen during the run
     * @param today       the date, for the table's age
     * @return the lines, each starting with the report's 10-column label
     */
    static String explainPrediction(String costSource, int threads, double load, LocalDate today) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "predicted is the cost table's sum for one thread (%s); measured used %d thread%s at"
                + " %s%n", costSource, threads, threads > 1 ? "s" : "", describe(load)));
        if (busy(load)) {
            b.append(String.format(Locale.ROOT, "warning   the machine was busy (%s): other programs took the cores, so the"
                    + " measured times are too long; measure on a quiet machine%n", describe(load)));
        }
        tableAge(costSource, today).filter(days -> days > STALE_DAYS).ifPresent(days -> b.append(String.format(Locale.ROOT,
                "warning   the cost table is %d days old: lola4j calibrate measures this machine's%n", days)));
        return b.toString();
    }

    /** The age in days of the first date (YYYY-MM-DD) in a cost table's source, when it names one. */
    static Optional<Long> tableAge(String costSource, LocalDate today) {
        Matcher m = DATE.matcher(costSource);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ChronoUnit.DAYS.between(LocalDate.parse(m.group(1)), today));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
