package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The plan's memory estimate: one computation for the report, the CLI's preflight and library callers. */
class PlanMemoryTest {

    private static Plan compile(String model) throws Exception {
        Network net = ModelRegistry.load(model);
        return LolaCompiler.compile(net, CompileOptions.lowLatency());
    }

    @Test
    void theEstimateIsTheReportsPeakMemory() throws Exception {
        for (String model : new String[] {"lola-small", "lola"}) {
            Plan plan = compile(model);
            PlanReport report = plan.report();
            Plan.MemoryEstimate m = plan.memoryEstimate();
            assertEquals(report.peakMemoryBytes(), m.total(), model);
            assertEquals(report.evaluationKeyMemory(), m.evaluationKeys(), model);
            assertEquals(m.encodedWeights() + m.evaluationKeys() + m.workingSet(), m.total(), model);
            assertTrue(m.encodedWeights() > 0 && m.evaluationKeys() > 0 && m.workingSet() > 0, model + ": " + m);
            // The default is one workspace per available processor, as the report's.
            assertEquals(m, plan.memoryEstimate(Runtime.getRuntime().availableProcessors()), model);
        }
    }

    @Test
    void eachThreadAddsOneKeySwitchWorkspace() throws Exception {
        Plan plan = compile("lola-small");
        CkksParameters p = plan.parameters();
        long keyPoly = 8L * p.ringDegree() * (p.maxLevel() + 1 + p.specialPrimes().length);
        Plan.MemoryEstimate one = plan.memoryEstimate(1);
        Plan.MemoryEstimate three = plan.memoryEstimate(3);
        assertEquals(one.encodedWeights(), three.encodedWeights());
        assertEquals(one.evaluationKeys(), three.evaluationKeys());
        assertEquals(2 * (p.dnum() + 2L) * keyPoly, three.workingSet() - one.workingSet());
        assertThrows(IllegalArgumentException.class, () -> plan.memoryEstimate(0));
        assertThrows(IllegalArgumentException.class, () -> plan.runMemoryBytes(0));
    }

    @Test
    void theClientNeedsItsKeysAndOneInputAndTheRunBoth() throws Exception {
        Plan plan = compile("lola");
        CkksParameters p = plan.parameters();
        long input = plan.inputRepresentation().ciphertexts() * 2L * 8 * p.ringDegree() * (p.maxLevel() + 1);
        long keys = plan.memoryEstimate(1).evaluationKeys();
        long client = plan.clientMemoryBytes();
        assertTrue(client > keys + input, client + " <= keys " + keys + " + input " + input);
        // ... but not by more than the secret and public keys and the output (a few polynomials).
        assertTrue(client < keys + input + 16L * 8 * p.ringDegree() * (p.maxLevel() + 2), "client " + client);
        // In one process the evaluation keys are held once, and the encrypted input (the first step's
        // input) too: the run saves at most one input on the two processes' sum.
        long both = plan.memoryEstimate(2).total() + client - keys;
        long run = plan.runMemoryBytes(2);
        assertTrue(run <= both && run >= both - input, "run " + run + ", both " + both + ", input " + input);
        assertTrue(run >= client + plan.memoryEstimate(2).encodedWeights(), "run " + run);
    }

    /**
     * Keys are made for the levels the plan uses them at: their memory is what the estimate says,
     * their upload what the serializer predicts, and both are below keys for every level, since
     * lola's later layers rotate below the top level.
     */
    @Test
    void keysAreMadeForTheLevelsThePlanUsesThemAt() throws Exception {
        Plan plan = compile("lola");
        CkksParameters p = plan.parameters();
        io.github.lola4j.ckks.KeyRequirements r = plan.keyRequirements();
        io.github.lola4j.ckks.KeyGenerator kg = new io.github.lola4j.ckks.KeyGenerator(p, new java.security.SecureRandom());
        io.github.lola4j.ckks.EvaluationKeys evk = kg.evaluationKeys(kg.secretKey(), r);
        assertEquals(plan.memoryEstimate(1).evaluationKeys(), evk.sizeInBytes());
        io.github.lola4j.ckks.CkksSerializer.Form seeded = io.github.lola4j.ckks.CkksSerializer.Form.SEEDED;
        assertEquals(io.github.lola4j.ckks.CkksSerializer.evaluationKeysSize(p, r, seeded),
                new io.github.lola4j.ckks.CkksSerializer(p, seeded).toBytes(evk).length);
        io.github.lola4j.ckks.KeyRequirements everyLevel = io.github.lola4j.ckks.KeyRequirements.relinearization()
                .withRotations(r.rotations());
        assertTrue(evk.sizeInBytes() < ClientPlan.evaluationKeyMemory(p, everyLevel), "keys for fewer levels are smaller");
        int below = 0;
        for (int s : r.rotations()) {
            int level = r.rotationLevel(s);
            assertTrue(level >= 0 && level <= p.maxLevel(), "rotation " + s + " at level " + level);
            assertEquals(level, evk.galoisKey(p.galoisElementForRotation(s)).level());
            below += level < p.maxLevel() ? 1 : 0;
        }
        assertTrue(below > 0, "some rotation keys are below the top level: " + r);
    }

    @Test
    void aPlanReadFromItsFileHasTheSameEstimate() throws Exception {
        Plan plan = compile("lola-small");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        plan.write(b);
        Plan read = Plan.read(new ByteArrayInputStream(b.toByteArray()));
        assertEquals(plan.memoryEstimate(2), read.memoryEstimate(2));
        assertEquals(plan.runMemoryBytes(2), read.runMemoryBytes(2));
    }

    @Test
    void negativeFiguresAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Plan.MemoryEstimate(1, -1, 1));
        assertTrue(e.getMessage().contains("keys -1"), e.getMessage());
    }
}
