package io.github.lola4j.cli;

import java.util.List;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * The statistics the commands report over repeated timings, through Apache Commons Math.
 * Quantiles interpolate linearly between order statistics (estimator R-7, as R, NumPy and
 * spreadsheets compute them by default), so a median of an even count is the mean of the middle two.
 */
final class Stats {

    private Stats() {
    }

    /**
     * The q-quantile.
     *
     * @param values the samples (not modified)
     * @param q      in (0, 1]
     * @return the quantile, NaN for no samples
     */
    static double quantile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(toArray(values), 100 * q);
    }

    /**
     * Mean, standard deviation (n - 1 in the denominator), minimum and maximum.
     *
     * @param values the samples
     * @return the summary; its fields are NaN for no samples
     */
    static DescriptiveStatistics describe(List<Double> values) {
        return new DescriptiveStatistics(toArray(values));
    }

    private static double[] toArray(List<Double> values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }
}
