package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.testkit.CkksContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The evaluator is deterministic, so sharing it between threads or splitting it over limbs must not change a single bit. */
class ConcurrencyTest {

    private static final CkksContext C = CkksContext.get("logN=13/L=3/P=1/scale=36");

    private static Ciphertext pipeline(Evaluator ev, Ciphertext x, Ciphertext y) {
        Ciphertext m = ev.rescale(ev.multiplyRelin(x, y));
        Ciphertext r = ev.rotate(m, 3);
        Ciphertext[] h = ev.rotateHoisted(m, 1, 2, 16);
        ev.add(r, h[0], r);
        ev.add(r, h[2], r);
        return ev.rescale(ev.multiplyConst(r, 0.5));
    }

    private static void assertSame(Ciphertext a, Ciphertext b) {
        assertEquals(a.level(), b.level());
        assertEquals(a.scale(), b.scale());
        for (int i = 0; i <= a.degree(); i++) {
            assertEquals(a.poly(i), b.poly(i));
        }
    }

    @Test
    void manyThreadsSharingOneEvaluatorMatchOneThread() throws Exception {
        int tasks = 8;
        Ciphertext[] xs = new Ciphertext[tasks];
        Ciphertext[] expected = new Ciphertext[tasks];
        for (int t = 0; t < tasks; t++) {
            xs[t] = C.encrypt(C.randomValues(100 + t), C.params.maxLevel());
        }
        for (int t = 0; t < tasks; t++) {
            expected[t] = pipeline(C.evaluator, xs[t], xs[(t + 1) % tasks]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Ciphertext>> fs = new ArrayList<>();
            for (int rep = 0; rep < 2; rep++) {
                for (int t = 0; t < tasks; t++) {
                    final int i = t;
                    fs.add(pool.submit(() -> pipeline(C.evaluator, xs[i], xs[(i + 1) % tasks])));
                }
            }
            for (int k = 0; k < fs.size(); k++) {
                assertSame(expected[k % tasks], fs.get(k).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void limbParallelEvaluatorMatchesSequential() {
        ForkJoinPool fj = new ForkJoinPool(2);
        try {
            Evaluator par = new Evaluator(C.params, C.evk, Parallelism.of(fj));
            Ciphertext x = C.encrypt(C.randomValues(7), C.params.maxLevel());
            Ciphertext y = C.encrypt(C.randomValues(8), C.params.maxLevel());
            assertSame(pipeline(C.evaluator, x, y), pipeline(par, x, y));
        } finally {
            fj.shutdownNow();
        }
    }
}
