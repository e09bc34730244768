package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.CkksContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keys made for the levels a computation uses them at: over q_0 .. q_l and P, with the digits that
 * meet q_0 .. q_l. They must decrypt exactly like keys for every level at those levels, be refused
 * (with the key and the levels named) above them, serialize to the sizes the requirements predict,
 * and read back identical; a stream that claims a level it may not is refused.
 */
class LeveledKeysTest {

    private static final int[] STEPS = {1, -3, 64};

    private static double[] rotated(double[] x, int k) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[Math.floorMod(i + k, x.length)];
        }
        return r;
    }

    private static void assertClose(CkksContext c, double[] expected, Ciphertext ct, String what) {
        PrecisionStats s = PrecisionStats.compare(expected, c.decrypt(ct));
        assertTrue(s.maxError() < 65536.0 / c.params.defaultScale(), what + ": " + s);
    }

    private static double[] xy(double[] x, double[] y) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i] * y[i];
        }
        return r;
    }

    /** Keys at level l for c's secret key: the rotations by STEPS and relinearization. */
    private static EvaluationKeys keysAt(CkksContext c, int level) {
        KeyGenerator kg = new KeyGenerator(c.params, new SecureRandom());
        KeyRequirements r = KeyRequirements.none().withRelinearization(level).withRotations(level, List.of(1, -3, 64));
        return kg.evaluationKeys(c.sk, r);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40"})
    void aKeyForLowLevelsRotatesAndRelinearizesThereAndIsRefusedAbove(String name) {
        CkksContext c = CkksContext.get(name);
        int keyLevel = c.params.maxLevel() / 2;
        EvaluationKeys evk = keysAt(c, keyLevel);
        assertEquals(keyLevel, evk.relinearizationKey().level());
        for (GaloisKey k : evk.galoisKeys().values()) {
            assertEquals(keyLevel, k.level());
            assertEquals(c.params.digitsAtLevel(keyLevel), k.digits());
        }
        Evaluator ev = new Evaluator(c.params, evk);
        double[] x = c.randomValues(5);
        double[] y = c.randomValues(6);
        for (int level = 0; level <= keyLevel; level++) {
            Ciphertext ct = c.encrypt(x, level);
            Ciphertext[] hoisted = ev.rotateHoisted(ct, STEPS);
            for (int i = 0; i < STEPS.length; i++) {
                assertClose(c, rotated(x, STEPS[i]), ev.rotate(ct, STEPS[i]), "rotate " + STEPS[i] + " at level " + level);
                assertClose(c, rotated(x, STEPS[i]), hoisted[i], "hoisted rotate " + STEPS[i] + " at level " + level);
            }
            if (level > 0) { // a product's scale fits level 1 and above
                // The rescale's rounding dominates at low levels; the relinearization adds only a
                // noise divided by P: the two keys give the same values up to that noise.
                Ciphertext cy = c.encrypt(y, level);
                double[] withAll = c.decrypt(c.evaluator.rescale(c.evaluator.relinearize(c.evaluator.multiply(ct, cy))));
                double[] withLeveled = c.decrypt(ev.rescale(ev.relinearize(ev.multiply(ct, cy))));
                assertArrayEquals(withAll, withLeveled, 65536.0 / c.params.defaultScale(), "product at level " + level);
                assertTrue(PrecisionStats.compare(xy(x, y), withLeveled).maxError() < 1e-3, "product at level " + level);
            }
        }
        Ciphertext above = c.encrypt(x, keyLevel + 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ev.rotate(above, 1));
        assertTrue(e.getMessage().contains("made for levels up to " + keyLevel) && e.getMessage().contains("level " + (keyLevel + 1)),
                e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> ev.relinearize(ev.multiply(above, c.encrypt(y, keyLevel + 1))));
        assertTrue(e.getMessage().contains("relinearization key was made for levels up to " + keyLevel), e.getMessage());
    }

    @Test
    void requirementsKeepTheHighestLevelOfEachKeyAndTheShortfallNamesIt() {
        CkksParameters p = CkksContext.params("logN=14/L=6/P=2/scale=40");
        KeyRequirements a = KeyRequirements.none().withRotations(2, List.of(1, 5)).withRelinearization(1);
        KeyRequirements b = KeyRequirements.none().withRotations(4, List.of(5)).withRotations(0, List.of(7));
        KeyRequirements u = a.union(b);
        assertEquals(2, u.rotationLevel(1));
        assertEquals(4, u.rotationLevel(5));
        assertEquals(0, u.rotationLevel(7));
        assertEquals(1, u.relinearizationLevel());
        assertEquals(u, b.union(a));
        assertFalse(u.equals(u.withRotations(List.of(7))), "a key for every level is another requirement");
        assertEquals(KeyRequirements.ALL_LEVELS, u.withRotations(7).rotationLevel(7));
        // clamped to the top level; steps equal mod N/2 share one element and its highest level
        Map<Long, Integer> g = KeyRequirements.none().withRotations(List.of(3)).withRotations(1, List.of(3 + p.slots()))
                .galoisLevels(p);
        assertEquals(Map.of(p.galoisElementForRotation(3), p.maxLevel()), g);
        assertThrows(IllegalArgumentException.class, () -> KeyRequirements.none().withRotations(-1, List.of(1)));
        assertThrows(IllegalArgumentException.class, () -> u.rotationLevel(2));

        CkksContext c = CkksContext.get("logN=13/L=3/P=1/scale=36");
        EvaluationKeys low = keysAt(c, 1);
        assertTrue(low.shortfall(KeyRequirements.none().withRotations(1, List.of(1, -3)).withRelinearization(1)).isEmpty());
        assertEquals("the Galois key for the rotation by -3 was made for levels up to 1, the computation uses it at level 2",
                low.shortfall(KeyRequirements.none().withRotations(2, List.of(-3))).orElseThrow());
        assertEquals("the relinearization key was made for levels up to 1, the computation relinearizes at level 3",
                low.shortfall(KeyRequirements.relinearization()).orElseThrow());
        assertEquals("the keys lack the Galois key for the rotation by 2",
                low.shortfall(KeyRequirements.none().withRotations(0, List.of(2))).orElseThrow());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40"})
    void leveledKeysSerializeToThePredictedSizeAndReadBackIdentical(String name) throws IOException {
        CkksContext c = CkksContext.get(name);
        KeyGenerator kg = new KeyGenerator(c.params, new SecureRandom());
        KeyRequirements r = KeyRequirements.none().withRelinearization(1).withRotations(0, List.of(1)).withRotations(2, List.of(-3))
                .withRotations(List.of(64)).withConjugation(0);
        EvaluationKeys evk = kg.evaluationKeys(c.sk, r);
        KeyRequirements full = KeyRequirements.relinearization().withRotations(1, -3, 64).withConjugation();
        for (CkksSerializer.Form form : CkksSerializer.Form.values()) {
            CkksSerializer s = new CkksSerializer(c.params, form);
            byte[] bytes = s.toBytes(evk);
            assertEquals(CkksSerializer.evaluationKeysSize(c.params, r, form), bytes.length, form.toString());
            assertTrue(bytes.length < CkksSerializer.evaluationKeysSize(c.params, full, form), "smaller than keys for every level");
            EvaluationKeys back = s.readEvaluationKeys(new ByteArrayInputStream(bytes));
            assertArrayEquals(bytes, s.toBytes(back), form + ": the same bytes again");
            assertEquals(evk.relinearizationKey().level(), back.relinearizationKey().level());
            for (GaloisKey k : evk.galoisKeys().values()) {
                assertEquals(k.level(), back.galoisKey(k.galoisElement()).level());
                byte[] one = s.toBytes(k);
                GaloisKey k2 = s.readGaloisKey(new ByteArrayInputStream(one));
                assertEquals(k.level(), k2.level());
                assertArrayEquals(one, s.toBytes(k2));
            }
            byte[] relin = s.toBytes(evk.relinearizationKey());
            assertArrayEquals(relin, s.toBytes(s.readRelinearizationKey(new ByteArrayInputStream(relin))));
        }
        // keys read back from the seeded form still evaluate
        CkksSerializer seeded = new CkksSerializer(c.params, CkksSerializer.Form.SEEDED);
        Evaluator ev = new Evaluator(c.params, seeded.readEvaluationKeys(new ByteArrayInputStream(seeded.toBytes(evk))));
        double[] x = c.randomValues(8);
        assertClose(c, rotated(x, -3), ev.rotate(c.encrypt(x, 2), -3), "rotate -3 at level 2 with keys read back");
    }

    @Test
    void aForgedLevelIsRefused() throws IOException {
        CkksContext c = CkksContext.get("logN=13/L=3/P=1/scale=36");
        KeyGenerator kg = new KeyGenerator(c.params, new SecureRandom());
        CkksSerializer s = new CkksSerializer(c.params, CkksSerializer.Form.SEEDED);
        byte[] key = s.toBytes(kg.galoisKey(c.sk, c.params.galoisElementForRotation(1), 1));
        int flags = 24 + 8; // header, Galois element
        assertEquals(WireFormat.FLAG_SEEDED | WireFormat.FLAG_LEVELED, key[flags]);
        assertEquals(1, key[flags + 1]);
        // the top level is written without the bit: one encoding per key
        byte[] top = SerializationTest.forge(key, b -> b[flags + 1] = (byte) c.params.maxLevel());
        IOException e = assertThrows(IOException.class, () -> s.readGaloisKey(new ByteArrayInputStream(top)));
        assertTrue(e.getMessage().contains("must be below the top level"), e.getMessage());
        byte[] unknown = SerializationTest.forge(key, b -> b[flags] = 0x05);
        e = assertThrows(IOException.class, () -> s.readGaloisKey(new ByteArrayInputStream(unknown)));
        assertTrue(e.getMessage().contains("only bit 0 (seeded) and bit 1 (leveled)"), e.getMessage());
        // another level changes the payload's size: refused by its length, never read as another key
        byte[] other = SerializationTest.forge(key, b -> b[flags + 1] = 0);
        e = assertThrows(IOException.class, () -> s.readGaloisKey(new ByteArrayInputStream(other)));
        assertTrue(e.getMessage().contains("for levels up to 0"), e.getMessage());
    }
}
