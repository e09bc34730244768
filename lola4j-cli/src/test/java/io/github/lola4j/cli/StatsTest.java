package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reported statistics against hand-computed values and a naive R-7 quantile. */
class StatsTest {

    @Test
    void knownAnswers() {
        List<Double> v = List.of(4.0, 1.0, 3.0, 2.0);
        assertEquals(2.5, Stats.quantile(v, 0.5), 1e-15);
        assertEquals(3.7, Stats.quantile(v, 0.9), 1e-12); // 1 + 0.9 * 3 = 3.7th order statistic
        assertEquals(4.0, Stats.quantile(v, 1.0), 0);
        assertEquals(5.0, Stats.quantile(List.of(5.0), 0.9), 0);
        assertTrue(Double.isNaN(Stats.quantile(List.of(), 0.5)));
        assertEquals(2.5, Stats.describe(v).getMean(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), Stats.describe(v).getStandardDeviation(), 1e-15);
    }

    @Test
    void quantilesMatchLinearInterpolationBetweenOrderStatistics() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n = 1; n < 40; n++) {
            List<Double> v = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                v.add(r.nextDouble());
            }
            double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            for (double q : new double[] {0.1, 0.5, 0.9, 0.99}) {
                double pos = q * (n - 1);
                int lo = (int) Math.floor(pos);
                int hi = Math.min(n - 1, lo + 1);
                double naive = s[lo] + (pos - lo) * (s[hi] - s[lo]);
                assertEquals(naive, Stats.quantile(v, q), 1e-12, n + " values, q = " + q + ": " + Arrays.toString(s));
            }
        }
    }
}
