package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.format.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bars on a terminal only, never when quiet; drawn, they name the task and count its units. */
class ProgressBarsTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final String before = System.getProperty(ProgressBars.TERMINAL_PROPERTY);

    @AfterEach
    void restoreProperty() {
        if (before == null) {
            System.clearProperty(ProgressBars.TERMINAL_PROPERTY);
        } else {
            System.setProperty(ProgressBars.TERMINAL_PROPERTY, before);
        }
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void run(Progress p, String task, int units) throws InterruptedException {
        p.start(task, units);
        // advances from several threads, as an operation on a fork-join pool makes them
        ExecutorService pool = Executors.newFixedThreadPool(3);
        for (int i = 0; i < units; i++) {
            pool.execute(() -> p.advance(1));
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        p.done();
    }

    @Test
    void nothingWhenStderrIsNotATerminalOrTheCommandIsQuiet() throws InterruptedException {
        System.setProperty(ProgressBars.TERMINAL_PROPERTY, "false");
        assertFalse(ProgressBars.stderrIsTerminal());
        Progress p = ProgressBars.create(err, false);
        assertSame(Progress.none(), p);
        run(p, "generating keys", 5);

        System.setProperty(ProgressBars.TERMINAL_PROPERTY, "true");
        assertSame(Progress.none(), ProgressBars.create(err, true), "--quiet wins over a terminal");
        assertEquals("", text());
    }

    @Test
    void onATerminalTheBarNamesTheTaskAndCountsItsUnits() throws InterruptedException {
        System.setProperty(ProgressBars.TERMINAL_PROPERTY, "true");
        assertTrue(ProgressBars.stderrIsTerminal());
        Progress p = ProgressBars.create(err, false);
        assertInstanceOf(ProgressBars.class, p);
        run(p, "generating keys", 7);
        String t = text();
        assertTrue(t.contains("generating keys") && t.contains("7/7"), t);
        assertTrue(t.endsWith("\r"), "a finished bar is cleared, its line left to the command: " + t);
        assertFalse(t.contains("\n"), "no line of its own: " + t);
    }

    @Test
    void tasksInTurnAndATaskOfUnknownSize() throws InterruptedException {
        ProgressBars p = new ProgressBars(err, 100);
        run(p, "encrypting", 3);
        p.start("searching plans", Progress.UNKNOWN);
        p.advance(12);
        p.done();
        String t = text();
        assertTrue(t.contains("encrypting") && t.contains("3/3"), t);
        assertTrue(t.contains("searching plans") && t.contains("12"), t);
        for (String line : t.split("\r")) {
            assertTrue(line.length() <= 100, "at most the width: " + line);
        }
    }

    /** A line printed while a bar is drawn starts at the line's start, not after the bar. */
    @Test
    void theCursorWaitsAtTheStartOfTheBar() throws InterruptedException {
        ProgressBars p = new ProgressBars(err, 100);
        p.start("training", 10);
        p.advance(4);
        Thread.sleep(600); // the library redraws every 250 ms
        err.print("epoch 1/2\n");
        p.done();
        String t = text();
        int epoch = t.indexOf("epoch 1/2");
        assertTrue(epoch > 0 && t.contains("training") && t.charAt(epoch - 1) == '\r', t);
    }
}
