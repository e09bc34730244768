package io.github.lola4j.lola;

import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.math3.linear.SingularMatrixException;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;

/**
 * How well one operation's measured times follow a smooth curve in the limb count l:
 * {@code t(l) = a + b l + c l^2}, fitted by least squares on relative errors (each measurement
 * counts by its relative, not absolute, deviation, so that one-limb times of microseconds weigh as
 * much as twelve-limb times of milliseconds). Key switching grows about quadratically in l, the
 * other operations linearly; a measurement far from the curve was most likely taken while the
 * machine was busy, and {@code lola4j calibrate} says so. Immutable.
 *
 * @param ringDegree N
 * @param op         the operation
 * @param constant   a, seconds
 * @param perLimb    b, seconds per limb
 * @param perLimbSq  c, seconds per squared limb
 * @param limbs      the measured limb counts, ascending
 * @param measured   the measured seconds at each
 */
public record CostFit(int ringDegree, OpCounts.Op op, double constant, double perLimb, double perLimbSq, int[] limbs,
        double[] measured) {

    /**
     * A measurement this far from its curve (relatively) was most likely taken on a busy machine:
     * on a quiet one the built-in table's measurements stay within it.
     */
    public static final double NOISY_DEVIATION = 0.15;

    /** Copies the arrays. */
    public CostFit {
        limbs = limbs.clone();
        measured = measured.clone();
    }

    /**
     * Fits the curve to measurements.
     *
     * @param ringDegree N
     * @param op         the operation
     * @param limbs      at least four limb counts, ascending
     * @param measured   the positive seconds at each
     * @return the fit
     * @throws IllegalArgumentException with fewer than four points or a non-positive time
     */
    static CostFit of(int ringDegree, OpCounts.Op op, int[] limbs, double[] measured) {
        if (limbs.length != measured.length || limbs.length < 4) {
            throw new IllegalArgumentException(op + " at N = " + ringDegree + ": a curve of three terms needs at least four"
                    + " measurements, got " + limbs.length);
        }
        // minimize sum ((a + b l + c l^2) / y - 1)^2: the rows (1/y, l/y, l^2/y) against 1, no intercept
        double[][] x = new double[limbs.length][3];
        double[] ones = new double[limbs.length];
        for (int i = 0; i < limbs.length; i++) {
            double y = measured[i];
            if (!(y > 0) || Double.isInfinite(y)) {
                throw new IllegalArgumentException(op + " at N = " + ringDegree + ", " + limbs[i] + " limbs: time " + y
                        + " is not positive");
            }
            double l = limbs[i];
            x[i][0] = 1 / y;
            x[i][1] = l / y;
            x[i][2] = l * l / y;
            ones[i] = 1;
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.setNoIntercept(true);
        ols.newSampleData(ones, x);
        double[] beta;
        try {
            beta = ols.estimateRegressionParameters();
        } catch (SingularMatrixException e) {
            // every measurement equal in relative terms to a lower-order curve: fit a + b l alone
            beta = new double[] {measured[0], 0, 0};
        }
        return new CostFit(ringDegree, op, beta[0], beta[1], beta[2], limbs, measured);
    }

    /** The curve at l limbs, seconds. */
    public double at(int l) {
        return constant + perLimb * l + perLimbSq * (double) l * l;
    }

    /** (measured - curve) / curve at each measured limb count. */
    public double[] relativeResiduals() {
        double[] r = new double[limbs.length];
        for (int i = 0; i < limbs.length; i++) {
            double f = at(limbs[i]);
            r[i] = (measured[i] - f) / f;
        }
        return r;
    }

    /** The index of the measurement farthest from the curve, relatively. */
    public int worst() {
        double[] r = relativeResiduals();
        int w = 0;
        for (int i = 1; i < r.length; i++) {
            if (Math.abs(r[i]) > Math.abs(r[w])) {
                w = i;
            }
        }
        return w;
    }

    /** Whether a measurement lies more than {@link #NOISY_DEVIATION} from the curve. */
    public boolean noisy() {
        return maxRelativeResidual() > NOISY_DEVIATION;
    }

    /** The largest |relative residual|. */
    public double maxRelativeResidual() {
        return Math.abs(relativeResiduals()[worst()]);
    }

    /** A one-line summary for {@code calibrate}, e.g. {@code ROTATION  N = 8192: 12 us + 35 us l + 4.1 us l^2, within 3.2 %}. */
    public String describe() {
        int w = worst();
        return String.format(Locale.ROOT, "%-21s N = %5d: %s + %s l + %s l^2; largest deviation %+.1f %% at %d limbs", op,
                ringDegree, micros(constant), micros(perLimb), micros(perLimbSq), 100 * relativeResiduals()[w], limbs[w]);
    }

    private static String micros(double s) {
        return String.format(Locale.ROOT, "%.3g us", s * 1e6);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CostFit f && f.ringDegree == ringDegree && f.op == op && Arrays.equals(f.limbs, limbs)
                && Arrays.equals(f.measured, measured);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * ringDegree + op.hashCode()) + Arrays.hashCode(measured);
    }

    @Override
    public String toString() {
        return describe();
    }
}
