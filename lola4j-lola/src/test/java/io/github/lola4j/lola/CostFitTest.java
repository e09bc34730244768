package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cost model's least-squares curves: exact on exact data, and they find the one noisy measurement. */
class CostFitTest {

    @TempDir
    Path tmp;

    private static final int[] LIMBS = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12};

    @Test
    void aQuadraticIsRecoveredExactly() {
        double[] t = new double[LIMBS.length];
        for (int i = 0; i < t.length; i++) {
            double l = LIMBS[i];
            t[i] = 20e-6 + 35e-6 * l + 4e-6 * l * l;
        }
        CostFit f = CostFit.of(8192, OpCounts.Op.ROTATION, LIMBS, t);
        assertEquals(20e-6, f.constant(), 1e-12);
        assertEquals(35e-6, f.perLimb(), 1e-12);
        assertEquals(4e-6, f.perLimbSq(), 1e-12);
        assertTrue(f.maxRelativeResidual() < 1e-9, f.describe());
    }

    @Test
    void oneBusyMeasurementStandsOut() {
        double[] t = new double[LIMBS.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = 1e-5 * LIMBS[i] * (1 + 0.01 * Math.sin(i)); // linear with 1 % jitter
        }
        t[5] *= 1.6; // six limbs measured while something else ran
        CostFit f = CostFit.of(8192, OpCounts.Op.PLAIN_PRODUCT, LIMBS, t);
        assertEquals(5, f.worst(), f.describe());
        assertTrue(f.maxRelativeResidual() > 0.3, f.describe());
        double[] r = f.relativeResiduals();
        for (int i = 0; i < r.length; i++) {
            if (i != 5) {
                assertTrue(Math.abs(r[i]) < f.maxRelativeResidual() / 2, i + ": " + r[i]);
            }
        }
        assertTrue(f.describe().contains("at 6 limbs"), f.describe());
    }

    @Test
    void tooFewPointsOrNonPositiveTimesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CostFit.of(8192, OpCounts.Op.ADDITION, new int[] {1, 2, 3},
                new double[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> CostFit.of(8192, OpCounts.Op.ADDITION, new int[] {1, 2, 3, 4},
                new double[] {1, 0, 3, 4}));
    }

    @Test
    void theTableFitsEveryOperationWithEnoughPoints() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (OpCounts.Op op : OpCounts.Op.values()) {
            for (int l = 1; l <= 6; l++) {
                sb.append(String.format(Locale.ROOT, "8192\t%s\t%d\t%.4e%n", op, l, (op.ordinal() + 1) * 1e-6 * l));
            }
            sb.append(String.format(Locale.ROOT, "16384\t%s\t%d\t%.4e%n", op, 1, 1e-6));
        }
        Path f = tmp.resolve("t.tsv");
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        List<CostFit> fits = CostModel.read(f).fits();
        // N = 16384 has one point per operation: no curve
        assertEquals(OpCounts.Op.values().length, fits.size());
        for (CostFit c : fits) {
            assertEquals(8192, c.ringDegree());
            assertTrue(c.maxRelativeResidual() < 1e-3, c.describe());
        }
        // the built-in table, measured on a quiet machine, raises no noise warning (stand-ins left out)
        List<CostFit> builtIn = CostModel.builtIn().fits();
        assertTrue(builtIn.size() > 20, builtIn.toString());
        for (CostFit c : builtIn) {
            assertTrue(!c.noisy(), c.describe());
        }
    }
}
