package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** infer and demo refuse a plan larger than the heap that is left, before any key is generated. */
class MemoryPreflightTest {

    private static final long MIB = 1L << 20;

    private Supplier<MemoryPreflight.Heap> saved;

    @BeforeEach
    void save() {
        saved = MemoryPreflight.heap;
    }

    @AfterEach
    void restore() {
        MemoryPreflight.heap = saved;
    }

    /** "The heap is 100 MiB, of which 90 MiB is taken": 10 MiB left, less than any 128-bit plan needs. */
    private static void smallHeap() {
        MemoryPreflight.heap = () -> new MemoryPreflight.Heap(100 * MIB, 90 * MIB);
    }

    /** lola-small's plan as infer and demo compile it (same options, same calibration). */
    private static Plan lolaSmall() throws Exception {
        Options o = Options.parse(new String[] {"--data", CliTestSupport.MNIST}, java.util.Set.of("data"), java.util.Set.of());
        return Lola.compile(ModelRegistry.load("lola-small"), o, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
    }

    @Test
    void inferRefusesBeforeAnyKeyWithTheFigureAndTheFlag() throws Exception {
        smallHeap();
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "lola-small", "--count", "1", "--threads", "2", "--data",
                CliTestSupport.MNIST);
        assertEquals(3, r.code(), r.err());
        String needed = MemoryPreflight.size(lolaSmall().runMemoryBytes(2));
        assertTrue(r.err().contains("lola4j infer: the plan for 'lola-small' needs about " + needed + " (keys "), r.err());
        assertTrue(r.err().contains("this JVM may use 100 MiB of which 90 MiB is taken"), r.err());
        assertTrue(r.err().contains("-Xmx1g"), r.err());
        assertTrue(r.err().contains("--no-memory-check"), r.err());
        assertFalse(r.err().contains("Exception"), "no class name in the message: " + r.err());
        // Nothing after the check ran: no keys, no evaluation, no report.
        assertEquals("", r.out(), r.out());
        assertFalse(r.err().contains("images, agreement"), r.err());
    }

    @Test
    void demoRefusesAfterPrintingThePlanAndBeforeTheKeys() {
        smallHeap();
        CliTestSupport.Run r = CliTestSupport.run("demo", "--model", "lola-small", "--count", "1", "--data", CliTestSupport.MNIST);
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().contains("peak memory about"), r.out());
        assertFalse(r.out().contains("client    keys"), r.out());
        assertTrue(r.err().contains("lola4j demo: the plan for 'lola-small' needs about"), r.err());
        assertTrue(r.err().contains("--no-memory-check"), r.err());
    }

    @Test
    void theFlagSkipsTheCheck() {
        smallHeap();
        CliTestSupport.Run r = CliTestSupport.run("infer", "--model", "lola-small", "--count", "1", "--warmup", "0", "--threads",
                "1", "--data", CliTestSupport.MNIST, "--no-memory-check");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("client    keys"), r.out());
    }

    @Test
    void aPlanThatFitsPassesSilently() throws Exception {
        Plan plan = lolaSmall();
        long needed = plan.runMemoryBytes(2);
        MemoryPreflight.heap = () -> new MemoryPreflight.Heap(needed + 50 * MIB, 50 * MIB);
        MemoryPreflight.check("infer", "lola-small", plan, 2, "--no-memory-check");
        MemoryPreflight.heap = () -> new MemoryPreflight.Heap(needed + 50 * MIB, 50 * MIB + 1);
        MemoryPreflight.InsufficientMemoryException e = org.junit.jupiter.api.Assertions.assertThrows(
                MemoryPreflight.InsufficientMemoryException.class,
                () -> MemoryPreflight.check("infer", "lola-small", plan, 2, "--no-memory-check"));
        assertTrue(e.getMessage().startsWith("the plan for 'lola-small' needs about"), e.getMessage());
    }

    @Test
    void theSuggestedHeapLeavesRoomForTheCollector() {
        // 5.7 GiB needed with 1.2 GiB taken: 1.5 x 6.9 GiB = 10.35 GiB, rounded up.
        assertEquals(11, MemoryPreflight.suggestedGiB((long) (5.7 * (1L << 30)), (long) (1.2 * (1L << 30))));
        assertEquals(1, MemoryPreflight.suggestedGiB(MIB, MIB));
        assertEquals("5.7 GiB", MemoryPreflight.size((long) (5.7 * (1L << 30))));
        assertEquals("204 MiB", MemoryPreflight.size(204 * MIB));
    }

    @Test
    void theHelpListsTheFlag() {
        assertTrue(CliTestSupport.run("infer", "--help").out().contains("--no-memory-check"));
        assertTrue(CliTestSupport.run("demo", "--help").out().contains("--no-memory-check"));
    }

    @Test
    void theRealMeasurementIsOfThisJvm() {
        MemoryPreflight.Heap h = MemoryPreflight.measure();
        assertEquals(Runtime.getRuntime().maxMemory(), h.max());
        assertTrue(h.used() > 0 && h.used() < h.max(), h.toString());
        assertEquals(h.max() - h.used(), h.available());
    }
}
