package io.github.lola4j.ckks.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PrecisionStats;
import io.github.lola4j.testkit.CkksContext;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LinearTransformTest {

    private static final CkksContext C = CkksContext.get("logN=13/L=3/P=1/scale=36");

    private static double[] matVec(double[][] m, double[] x) {
        double[] y = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < x.length; j++) {
                y[i] += m[i][j] * x[j];
            }
        }
        return y;
    }

    private static Evaluator evaluatorFor(LinearTransform t) {
        EvaluationKeys evk = new KeyGenerator(C.params, new SecureRandom()).evaluationKeys(C.sk, t.keyRequirements());
        return new Evaluator(C.params, evk);
    }

    @Test
    void rectangularMatrixOnReplicatedVectorMatchesPlainProduct() {
        SplittableRandom r = new SplittableRandom(1);
        int rows = 40;
        int cols = 64;
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextDouble(-1, 1) / 8;
            }
        }
        double[] x = new double[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = r.nextDouble(-1, 1);
        }
        int slots = C.params.slots();
        LinearTransform t = LinearTransform.fromMatrix(m, slots);
        assertEquals(64, LinearTransform.periodFor(cols));
        double[] expected = LinearTransform.replicate(matVec(m, x), slots);
        // The cleartext twin runs the identical BSGS schedule.
        double[] plain = t.evaluatePlain(LinearTransform.replicate(x, slots));
        assertArrayEquals(expected, plain, 1e-12);
        assertTrue(t.rotationCount() < 64 - 1, "BSGS uses fewer rotations than one per diagonal: " + t.rotationCount());
        Evaluator ev = evaluatorFor(t);
        Ciphertext ct = C.encrypt(LinearTransform.replicate(x, slots), C.params.maxLevel());
        Ciphertext y = t.evaluate(ev, C.encoder, ct);
        assertEquals(ct.level() - 1, y.level());
        assertEquals(ct.scale(), y.scale(), ct.scale() * 1e-12);
        PrecisionStats s = PrecisionStats.compare(expected, C.decrypt(y));
        System.out.println("BSGS 40x64 (" + t.diagonalCount() + " diagonals, " + t.rotationCount() + " rotations): " + s);
        assertTrue(s.maxError() < 1e-4, s.toString());
    }

    @Test
    void sparseDiagonalsOverAllSlots() {
        int slots = C.params.slots();
        SplittableRandom r = new SplittableRandom(2);
        TreeMap<Integer, double[]> diags = new TreeMap<>();
        for (int k : new int[] {0, 1, 5, 33, 100, slots - 1}) {
            double[] d = new double[slots];
            for (int i = 0; i < slots; i++) {
                d[i] = r.nextDouble(-1, 1);
            }
            diags.put(k, d);
        }
        LinearTransform t = LinearTransform.fromDiagonals(diags, slots);
        double[] x = C.randomValues(3);
        double[] expected = new double[slots];
        for (int i = 0; i < slots; i++) {
            for (var e : diags.entrySet()) {
                expected[i] += e.getValue()[i] * x[(i + e.getKey()) % slots];
            }
        }
        assertArrayEquals(expected, t.evaluatePlain(x), 1e-12);
        Ciphertext y = t.evaluate(evaluatorFor(t), C.encoder, C.encrypt(x, 2));
        PrecisionStats s = PrecisionStats.compare(expected, C.decrypt(y));
        assertTrue(s.maxError() < 1e-4, s.toString());
    }

    @Test
    void invalidInputsAreRefused() {
        int slots = C.params.slots();
        assertThrows(IllegalArgumentException.class, () -> LinearTransform.fromMatrix(new double[0][0], slots));
        assertThrows(IllegalArgumentException.class, () -> LinearTransform.fromMatrix(new double[][] {{1, 2}, {3}}, slots));
        assertThrows(IllegalArgumentException.class, () -> LinearTransform.fromMatrix(new double[1][slots + 1], slots));
        TreeMap<Integer, double[]> bad = new TreeMap<>();
        bad.put(slots, new double[slots]);
        assertThrows(IllegalArgumentException.class, () -> LinearTransform.fromDiagonals(bad, slots));
        TreeMap<Integer, double[]> nan = new TreeMap<>();
        double[] d = new double[slots];
        d[7] = Double.NaN;
        nan.put(0, d);
        assertThrows(IllegalArgumentException.class, () -> LinearTransform.fromDiagonals(nan, slots));
        LinearTransform t = LinearTransform.fromMatrix(new double[][] {{1, 0}, {0, 1}}, slots);
        Ciphertext bottom = C.encrypt(new double[] {1}, 0);
        assertThrows(IllegalArgumentException.class, () -> t.evaluate(C.evaluator, C.encoder, bottom));
    }
}
