package io.github.lola4j.cli;

import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.Plan;
import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The check a command makes after it has compiled (or read) a plan and before it generates any
 * key: the plan's memory estimate against what the JVM may still allocate. Without it a plan
 * larger than the heap (lola-cifar under the default heap of a quarter of the machine's memory)
 * runs for minutes and dies with an {@link OutOfMemoryError} stack trace; with it the command stops
 * at once with the figure and the flag that fixes it.
 */
final class MemoryPreflight {

    /**
     * What the JVM may use and what it uses.
     *
     * @param max  the most the heap may grow to ({@link Runtime#maxMemory()})
     * @param used what it holds now (total minus free, after a collection)
     */
    record Heap(long max, long used) {
        /** What is left to allocate. */
        long available() {
            return Math.max(0, max - used);
        }
    }

    /** The measurement; tests replace it ("the heap is 100 MiB") and restore it. */
    static volatile Supplier<Heap> heap = MemoryPreflight::measure;

    /** Thrown when a plan does not fit; Main prints the simple name, which says what happened. */
    static final class InsufficientMemoryException extends IOException {
        private static final long serialVersionUID = 1L;

        InsufficientMemoryException(String message) {
            super(message);
        }
    }

    private MemoryPreflight() {
    }

    /**
     * The heap now: after the compile the heap holds the plan (its kernels and the diagonals' sparse
     * form, about 227 MiB for lola-cifar) and the compile's garbage; a collection first keeps the
     * garbage from counting as taken. With {@code -XX:+DisableExplicitGC} the figure includes
     * garbage, so the check errs towards refusing (and {@code --no-memory-check} is the way out).
     */
    static Heap measure() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return new Heap(rt.maxMemory(), rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Refuses a run whose estimate exceeds the heap that is left.
     *
     * @param command the command's name, for the message
     * @param model   the model's name
     * @param plan    the plan
     * @param threads the evaluation threads
     * @param flag    the option that skips the check, named in the message
     * @throws InsufficientMemoryException when {@link Plan#runMemoryBytes(int)} is more than the
     *                                     heap's maximum minus what it holds now
     */
    static void check(String command, String model, Plan plan, int threads, String flag) throws InsufficientMemoryException {
        Plan.MemoryEstimate server = plan.memoryEstimate(threads);
        long needed = plan.runMemoryBytes(threads);
        Heap h = heap.get();
        if (needed <= h.available()) {
            return;
        }
        long client = needed - server.total();
        throw new InsufficientMemoryException(String.format(Locale.ROOT,
                "the plan for '%s' needs about %s (keys %s in memory, encoded weights %s, working set %s, client %s);"
                        + " this JVM may use %s of which %s is taken: %s, or run %s %s to try anyway", model, size(needed),
                size(server.evaluationKeys()), size(server.encodedWeights()), size(server.workingSet()), size(client),
                size(h.max()), size(h.used()), howToGrow(suggestedGiB(needed, h.used())), command, flag));
    }

    /**
     * Refuses a client run (keys, one input, one output) whose estimate exceeds the heap that is left.
     *
     * @param command the command's name, for the message
     * @param model   the model's name
     * @param plan    the client plan
     * @param flag    the option that skips the check
     * @throws InsufficientMemoryException when {@link ClientPlan#memoryBytes()} is more than the heap left
     */
    static void checkClient(String command, String model, ClientPlan plan, String flag) throws InsufficientMemoryException {
        long needed = plan.memoryBytes();
        Heap h = heap.get();
        if (needed <= h.available()) {
            return;
        }
        throw new InsufficientMemoryException(String.format(Locale.ROOT,
                "the client of '%s' needs about %s (its keys, one encrypted input and the result); this JVM may use %s of"
                        + " which %s is taken: %s, or run %s %s to try anyway", model, size(needed), size(h.max()), size(h.used()),
                howToGrow(suggestedGiB(needed, h.used())), command, flag));
    }

    /**
     * How to give the JVM {@code gib} GiB: the launcher's variable when the launcher started it
     * (LOLA4J_HEAP is its one knob for the heap), else the JVM's flag.
     */
    static String howToGrow(long gib) {
        if (System.getProperty("lola4j.launcher") != null) {
            return String.format(Locale.ROOT, "give it more with LOLA4J_HEAP=%dg lola4j ...", gib);
        }
        return String.format(Locale.ROOT, "give it more with java -Xmx%dg -jar ... (or JAVA_TOOL_OPTIONS=-Xmx%dg)", gib, gib);
    }

    /**
     * The -Xmx to suggest, in GiB: what is taken plus what the plan needs, with half again for the
     * collector (G1 collects often and long in a heap that is nearly all live data).
     */
    static long suggestedGiB(long needed, long used) {
        double bytes = 1.5 * (needed + (double) used);
        return Math.max(1, (long) Math.ceil(bytes / (1L << 30)));
    }

    /** Sizes as the message prints them: one decimal, in the largest unit of at least 1. */
    static String size(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.0f KiB", b / 1024.0);
    }
}
