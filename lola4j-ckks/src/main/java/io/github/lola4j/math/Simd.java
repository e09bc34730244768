package io.github.lola4j.math;

import java.util.Locale;

/**
 * Whether the number-theoretic transforms and the element-wise products run on 512-bit vectors,
 * decided once per JVM.
 *
 * <p>The vector kernels use Java's incubating Vector API, which a JVM only resolves when started
 * with {@code --add-modules jdk.incubator.vector}. They are used when that module is present and
 * the hardware has 512-bit vectors with 64-bit lane products (AVX-512 with the DQ extension):
 * there they make the transforms several times faster (docs/benchmarks.md). Elsewhere the scalar
 * code runs. Both give the same values bit for bit, so ciphertexts, keys and test results do not
 * depend on the choice.
 *
 * <p><b>Warm-up.</b> Until C2 has compiled them, Vector API calls run as calls on boxed vectors,
 * a thousand times slower than compiled code (the first vector transform of a JVM took 0.2 s, and
 * with the vector kernels forced on, preparing lola's plan in a fresh JVM took 4.0 s against 0.37 s
 * on the scalar code). So in {@code auto} mode the scalar code runs first, and only a process that
 * has done real work on it, 2^28 coefficients through the scalar transforms and products (about
 * two seconds of one core), starts a daemon thread that runs the vector kernels on small arrays
 * until they beat the scalar ones by a tenth, three rounds in a row; then the vector path opens.
 * A short process (one step of a pipeline: a key generation, an encryption, one evaluation) never
 * starts it, so it neither gives a core to the warm-up nor runs uncompiled vector code. If the
 * kernels are not faster within twenty seconds of warm-up, the scalar code stays.
 *
 * <p>The system property {@code lola4j.simd} overrides the choice: {@code auto} (the default),
 * {@code off} (always scalar) or {@code on} (vector kernels from the first call, no warm-up
 * thread, whenever the module is present, even on hardware without 512-bit vectors, where the JDK
 * emulates them slowly; for testing).
 */
public final class Simd {

    /** The system property that overrides the choice. */
    public static final String PROPERTY = "lola4j.simd";

    private static final String MODULE = "jdk.incubator.vector";

    static final Kernels KERNELS;
    private static final String DESCRIPTION;
    // Whether Ntt may call KERNELS yet: set by the warm-up thread, or at once in "on" mode.
    private static volatile boolean ready;
    private static volatile boolean gaveUp;
    /** Scalar work, in coefficients, after which auto mode starts warming the vector kernels up. */
    static final long WARM_UP_AFTER = 1L << 28;
    // Racy on purpose: a lost update only delays the start a little, and a lock would cost every call.
    private static long scalarWork;
    private static volatile boolean warmUpStarted;

    static {
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("on") && !mode.equals("off")) {
            throw new IllegalArgumentException("system property " + PROPERTY
                    + " must be auto, on or off, got '" + System.getProperty(PROPERTY) + "'");
        }
        Kernels kernel = null;
        String description;
        if (mode.equals("off")) {
            description = "scalar (" + PROPERTY + "=off)";
        } else if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            description = "scalar (start the JVM with --add-modules " + MODULE + " for the vector kernels)";
        } else {
            int lanes = VectorProbe.preferredLongLanes();
            if (lanes >= 8 || mode.equals("on")) {
                kernel = VectorProbe.kernel();
                description = "vector (" + MODULE + ", " + lanes + " x 64-bit lanes in hardware)";
            } else {
                description = "scalar (the hardware has " + lanes * 64 + "-bit vectors, the kernels need 512)";
            }
        }
        KERNELS = kernel;
        DESCRIPTION = description;
        if (kernel != null && mode.equals("on")) {
            ready = true;
        }
    }

    /**
     * Whether an operation on n coefficients runs on the vector kernels; when not yet, the scalar
     * work is counted, and enough of it starts the warm-up (class comment).
     *
     * @param n the coefficients the operation handles
     * @return true when the caller should use {@link #KERNELS}
     */
    static boolean use(int n) {
        if (ready) {
            return true;
        }
        if (KERNELS != null && !warmUpStarted) {
            scalarWork += n;
            if (scalarWork >= WARM_UP_AFTER) {
                startWarmUp();
            }
        }
        return false;
    }

    private static synchronized void startWarmUp() {
        if (!warmUpStarted) {
            warmUpStarted = true;
            Thread warmUp = new Thread(Simd::warmUp, "lola4j-vector-ntt-warm-up");
            warmUp.setDaemon(true);
            warmUp.setPriority(Thread.MIN_PRIORITY);
            warmUp.start();
        }
    }

    /**
     * Runs both implementations of every kernel on one small prime until the vector ones take
     * less than nine tenths of the scalar ones' time (best of each round, three rounds in a row),
     * then opens the vector path. The margin was two thirds; on an Intel Xeon whose vector kernels
     * were only 1.2-1.4x faster, that kept a long process on the slower scalar code after a
     * minute's warm-up on the second core.
     */
    private static void warmUp() {
        int n = 1024;
        Modulus modulus = new Modulus(Primes.nttPrimesBelow(n, 60, 1)[0]);
        NttTables tables = new NttTables(n, modulus);
        long[] a = new long[n];
        long[] b = new long[n];
        long[] c = new long[n];
        long deadline = System.nanoTime() + 20_000_000_000L;
        int wins = 0;
        while (System.nanoTime() < deadline) {
            long bestVector = Long.MAX_VALUE;
            long bestScalar = Long.MAX_VALUE;
            for (int k = 0; k < 64; k++) {
                long t0 = System.nanoTime();
                KERNELS.forwardLazy(a, tables);
                KERNELS.inverseLazy(a, tables);
                KERNELS.mul(modulus, b, b, c);
                KERNELS.mulAdd(modulus, b, b, c);
                long t1 = System.nanoTime();
                Ntt.forwardLazyScalar(a, tables);
                Ntt.inverseLazyScalar(a, tables);
                modulus.mulScalar(b, b, c);
                modulus.mulAddScalar(b, b, c);
                long t2 = System.nanoTime();
                bestVector = Math.min(bestVector, t1 - t0);
                bestScalar = Math.min(bestScalar, t2 - t1);
            }
            wins = 10 * bestVector < 9 * bestScalar ? wins + 1 : 0;
            if (wins == 3) {
                ready = true;
                return;
            }
        }
        gaveUp = true;
    }

    /** Whether {@link Ntt} calls the vector kernels now; see the class comment. */
    static boolean ready() {
        return ready;
    }

    private Simd() {
    }

    /**
     * Whether the vector kernels were chosen in this JVM (they take over from the scalar code
     * once warmed up; see the class comment).
     */
    public static boolean enabled() {
        return KERNELS != null && !gaveUp;
    }

    /**
     * A vector kernel whatever the choice was, for tests that compare it with the scalar code.
     *
     * @throws IllegalStateException if the JVM was started without the module
     */
    static Kernels vectorKernel() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            throw new IllegalStateException("the JVM was started without --add-modules " + MODULE);
        }
        return VectorProbe.kernel();
    }

    /** A one-line account of the choice and why, for logs and {@code selftest}. */
    public static String description() {
        if (KERNELS == null) {
            return DESCRIPTION;
        }
        if (gaveUp) {
            return "scalar (the vector kernels were not faster within twenty seconds of warm-up)";
        }
        return DESCRIPTION + (ready ? "" : warmUpStarted ? ", warming up" : ", scalar until the process has run a while");
    }

    /**
     * The kernel class is looked up by name: it is compiled apart (see pom.xml), and loading it
     * needs the module.
     */
    private static final class VectorProbe {
        private static Class<?> kernelClass() {
            // On the module path this module does not declare that it reads the incubating module
            // (javac would warn on every build); the read edge is added here, where it is needed.
            // On the class path it is a no-op.
            ModuleLayer.boot().findModule(MODULE).ifPresent(Simd.class.getModule()::addReads);
            try {
                return Class.forName("io.github.lola4j.math.VectorKernels");
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the vector kernels is missing from the build", e);
            }
        }

        static int preferredLongLanes() {
            try {
                return (Integer) kernelClass().getDeclaredMethod("preferredLongLanes").invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot query the vector kernels", e);
            }
        }

        static Kernels kernel() {
            try {
                return (Kernels) kernelClass().getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create the vector kernels", e);
            }
        }
    }
}
