package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the output says next to a predicted and a measured latency. */
class MachineLoadTest {

    private static final String BUILT_IN = "built-in table (measured 2026-12-01 on the project's 2-core AMD EPYC VM)";

    @Test
    void aQuietRunWithAFreshTableIsExplainedWithoutWarnings() {
        String s = MachineLoad.explainPrediction(BUILT_IN, 2, 0.5, LocalDate.of(2026, 12, 7));
        assertEquals("predicted is the cost table's sum for one thread (" + BUILT_IN + "); measured used 2 threads at load average"
                + " 0.50 on " + MachineLoad.cores() + " cores\n", s);
    }

    @Test
    void aBusyMachineAndAStaleTableAreWarnedAbout() {
        double load = MachineLoad.cores() + 3.25;
        String s = MachineLoad.explainPrediction(BUILT_IN, 1, load, LocalDate.of(2027, 7, 1));
        assertTrue(s.contains("measured used 1 thread at"), s);
        assertTrue(s.contains("warning   the machine was busy (load average " + String.format(java.util.Locale.ROOT, "%.2f", load)), s);
        assertTrue(s.contains("warning   the cost table is 212 days old: lola4j calibrate measures this machine's"), s);
        // exactly at the core count is not busy: each runnable thread has a core
        assertFalse(MachineLoad.busy(MachineLoad.cores()));
        assertTrue(MachineLoad.busy(MachineLoad.cores() + 0.01));
    }

    @Test
    void tableAgeReadsTheFirstDateAndNothingElse() {
        assertEquals(Optional.of(6L), MachineLoad.tableAge(BUILT_IN, LocalDate.of(2026, 12, 7)));
        assertEquals(Optional.of(0L), MachineLoad.tableAge("2026-12-07T10:15Z on host, 2 processors", LocalDate.of(2026, 12, 7)));
        assertEquals(Optional.empty(), MachineLoad.tableAge("/home/u/.cache/lola4j/cost-model.tsv", LocalDate.of(2026, 12, 7)));
        assertEquals(Optional.empty(), MachineLoad.tableAge("measured 2026-13-45", LocalDate.of(2026, 12, 7)));
        assertEquals("load average unknown on " + MachineLoad.cores() + " cores", MachineLoad.describe(-1));
        assertFalse(MachineLoad.busy(-1), "an unknown load is not called busy");
    }
}
