package io.github.lola4j.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The one place lola4j runs work in parallel: independent tasks (typically one per RNS limb or
 * per key-switching digit) on a caller-supplied {@link ForkJoinPool}, or on the calling thread
 * when none is configured. Work stealing makes nested use (a parallel evaluator inside a parallel
 * layer) safe from the deadlocks a fixed thread pool would risk. Immutable and thread-safe.
 */
public final class Parallelism {

    private static final Parallelism SEQUENTIAL = new Parallelism(null);

    private final ForkJoinPool pool;

    private Parallelism(ForkJoinPool pool) {
        this.pool = pool;
    }

    /** Everything on the calling thread. */
    public static Parallelism sequential() {
        return SEQUENTIAL;
    }

    /**
     * Tasks split over a pool.
     *
     * @param pool the pool (the caller owns it and shuts it down)
     * @return the parallelism
     */
    public static Parallelism of(ForkJoinPool pool) {
        return new Parallelism(Objects.requireNonNull(pool, "pool"));
    }

    /**
     * Polynomial sizes (limbs x N coefficients) below which an operation runs on the calling thread
     * even with a pool: splitting an operation of a few limbs at N = 8192 hands tasks of tens of
     * microseconds to another core and waits for them. Measured on the project's 2-core machine, in
     * one process, alternating configurations: LoLa's MNIST network at N = 8192 took 89 ms with only
     * its kernels' independent rotations and products in parallel, 105 ms with every operation of
     * 4 limbs or more also split over limbs, 102 ms on one thread. At N = 16384 with 7 limbs (114,688
     * coefficients) splitting a key switch over limbs gains 1.3-1.6x (docs/benchmarks.md).
     */
    public static final long MIN_PARALLEL_ELEMENTS = 1L << 16;

    /**
     * This parallelism for an operation on polynomials of the given size, or the calling thread for
     * one too small to gain from it.
     *
     * @param elements limbs x ring degree of the operands
     * @return this or {@link #sequential()}
     */
    public Parallelism forSize(long elements) {
        return elements >= MIN_PARALLEL_ELEMENTS ? this : SEQUENTIAL;
    }

    /** Whether tasks run on a pool. */
    public boolean isParallel() {
        return pool != null && pool.getParallelism() > 1;
    }

    /**
     * Runs {@code task.accept(i)} for every i in [0, count), in parallel when configured; returns
     * when all are done. Tasks must be independent.
     *
     * @param count the number of tasks
     * @param task  the task body
     */
    public void forEach(int count, IntConsumer task) {
        if (count <= 1 || !isParallel()) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
            return;
        }
        RecursiveAction all = new RecursiveAction() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void compute() {
                List<RecursiveAction> parts = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    final int idx = i;
                    parts.add(new RecursiveAction() {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected void compute() {
                            task.accept(idx);
                        }
                    });
                }
                invokeAll(parts);
            }
        };
        Thread t = Thread.currentThread();
        if (t instanceof ForkJoinWorkerThread && ((ForkJoinWorkerThread) t).getPool() == pool) {
            all.invoke();
        } else {
            pool.invoke(all);
        }
    }
}
