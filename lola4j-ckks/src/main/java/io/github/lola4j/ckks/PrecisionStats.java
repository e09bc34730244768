package io.github.lola4j.ckks;

import java.util.Arrays;

/**
 * The precision of decrypted values against the exact ones: the absolute errors and their log2,
 * as CKKS papers and libraries report it (a log2 error of -20 means about 20 correct bits after the
 * binary point). Immutable.
 *
 * @param count        the number of values compared
 * @param maxError     the largest absolute error
 * @param meanError    the mean absolute error
 * @param medianError  the median absolute error
 */
public record PrecisionStats(int count, double maxError, double meanError, double medianError) {

    /**
     * Compares two vectors over the length of {@code expected}.
     *
     * @param expected the exact values
     * @param actual   the decrypted values, at least as long
     * @return the statistics
     * @throws IllegalArgumentException if {@code actual} is shorter or {@code expected} is empty
     */
    public static PrecisionStats compare(double[] expected, double[] actual) {
        if (expected.length == 0 || actual.length < expected.length) {
            throw new IllegalArgumentException("need a non-empty expected vector and at least as many actual values, got "
                    + expected.length + " and " + actual.length);
        }
        double[] err = new double[expected.length];
        double max = 0;
        double sum = 0;
        for (int i = 0; i < expected.length; i++) {
            err[i] = Math.abs(expected[i] - actual[i]);
            if (Double.isNaN(err[i])) {
                err[i] = Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, err[i]);
            sum += err[i];
        }
        Arrays.sort(err);
        double median = err.length % 2 == 1 ? err[err.length / 2] : (err[err.length / 2 - 1] + err[err.length / 2]) / 2;
        return new PrecisionStats(expected.length, max, sum / expected.length, median);
    }

    /** log2 of the largest error (the worst precision). */
    public double maxLog2Error() {
        return log2(maxError);
    }

    /** log2 of the mean error. */
    public double meanLog2Error() {
        return log2(meanError);
    }

    /** log2 of the median error. */
    public double medianLog2Error() {
        return log2(medianError);
    }

    private static double log2(double x) {
        return x == 0 ? Double.NEGATIVE_INFINITY : Math.log(x) / Math.log(2);
    }

    @Override
    public String toString() {
        return String.format("PrecisionStats(n=%d, log2 error: max %.2f, mean %.2f, median %.2f)", count, maxLog2Error(),
                meanLog2Error(), medianLog2Error());
    }
}
