package io.github.lola4j.cli;

import io.github.lola4j.ring.Parallelism;
import java.util.concurrent.ForkJoinPool;

/**
 * A command's {@code --threads}: the fork-join pool it runs on and the library's
 * {@link Parallelism} over it, shut down together. {@link Parallelism#of} leaves the pool to its
 * caller; holding both in one try-with-resources keeps a command from forgetting the shutdown on
 * an exception path.
 *
 * <pre>{@code
 * try (Threads t = Threads.of(threads)) {
 *     plan.evaluate(x, evk, t.parallelism());
 * }
 * }</pre>
 */
final class Threads implements AutoCloseable {

    /** Null for one thread: everything then runs on the calling thread, and no pool is needed. */
    private final ForkJoinPool pool;
    private final Parallelism parallelism;

    private Threads(ForkJoinPool pool) {
        this.pool = pool;
        this.parallelism = pool == null ? Parallelism.sequential() : Parallelism.of(pool);
    }

    /**
     * A pool of {@code threads} threads, or the calling thread alone for one.
     *
     * @param threads how many threads, at least 1
     * @return the threads, to close when the command is done with them
     * @throws IllegalArgumentException when {@code threads} is less than 1
     */
    static Threads of(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + ", at least 1 expected");
        }
        return new Threads(threads > 1 ? new ForkJoinPool(threads) : null);
    }

    /** Where the library's parallel work goes: the pool, or the calling thread for one thread. */
    Parallelism parallelism() {
        return parallelism;
    }

    /** Shuts the pool down; work already submitted completes (the commands wait for theirs anyway). */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
