package io.github.lola4j.math;

/**
 * One odd modulus q of 2 to 61 bits with its precomputed Barrett constant, and the modular
 * arithmetic every hot loop of the library is built from.
 *
 * <p><b>Why 61 bits.</b> The NTT keeps values lazily in [0, 4q); with q &lt; 2<sup>61</sup>,
 * 4q &lt; 2<sup>63</sup> still fits a signed {@code long}, so no unsigned comparisons are needed.
 *
 * <p><b>Barrett reduction.</b> For q of k bits, m = floor(2<sup>2k</sup>/q) has k+1 bits. A
 * product x &lt; q<sup>2</sup> &lt; 2<sup>2k</sup> is reduced by estimating
 * floor(x/q) as ((x &gt;&gt; (k-1)) * m) &gt;&gt; (k+1); the estimate is low by at most 2, so at most
 * two conditional subtractions finish the job. Both factors fit in 63 bits, so
 * {@link Math#multiplyHigh} gives the high word without unsigned corrections.
 *
 * <p><b>Shoup multiplication.</b> For a constant w &lt; q, w' = floor(w 2<sup>64</sup>/q) (an
 * unsigned 64-bit value). Then a*w - floor(a*w'/2<sup>64</sup>)*q lies in [0, 2q) for any
 * 0 &le; a &lt; 2<sup>63</sup>: one high multiplication and two low ones, no division.
 *
 * <p>Unless a method says otherwise, inputs are fully reduced (in [0, q)) and so are results.
 * Methods whose names end in {@code Lazy} state their input and output ranges. Instances are
 * immutable and thread-safe.
 */
public final class Modulus {

    /** The largest supported bit length of a modulus. */
    public static final int MAX_BITS = 61;

    private final long q;
    private final int bits;
    private final long barrettM;
    private final int shiftLow;   // k - 1
    private final int shiftHigh;  // 65 - k (left shift of the high word when forming x >> (k-1))
    private final int shiftOut;   // k + 1
    private final long qInv64;    // q^-1 mod 2^64, for Montgomery reduction
    private final long floor64;   // floor(2^64 / q) < 2^63, for reductions of 63-bit values
    private final long pow64;     // 2^64 mod q, for Shoup companions

    /**
     * Creates the modulus q.
     *
     * @param q an odd integer with 2 &le; bit length &le; 61 (q = 3 is the smallest)
     * @throws IllegalArgumentException if q is even, below 3, or longer than 61 bits
     */
    public Modulus(long q) {
        if (q < 3 || (q & 1) == 0) {
            throw new IllegalArgumentException("modulus must be odd and at least 3, got " + q);
        }
        int k = 64 - Long.numberOfLeadingZeros(q);
        if (k > MAX_BITS) {
            throw new IllegalArgumentException("modulus must have at most " + MAX_BITS + " bits, got " + k
                    + " bits (" + q + ")");
        }
        this.q = q;
        this.bits = k;
        this.barrettM = floorPow2Div(2 * k, q);
        this.shiftLow = k - 1;
        this.shiftHigh = 65 - k;
        this.shiftOut = k + 1;
        long x = q;               // q q = 1 mod 8 for odd q; each Newton step doubles the correct bits
        for (int i = 0; i < 5; i++) {
            x *= 2 - q * x;
        }
        this.qInv64 = x;
        this.floor64 = floorShiftDiv(1, 64, q);
        this.pow64 = -(floor64 * q); // 2^64 - floor64 q, in [0, q)
    }

    /** floor(2^e / d) for e &le; 122 and odd d &gt; 2^(e/2 - 1), computed by long division on bits (setup only). */
    private static long floorPow2Div(int e, long d) {
        // The result has at most 62 bits.
        return floorShiftDiv(1, e, d);
    }

    /**
     * floor(x 2^e / d) by long division one bit at a time, exact as long as the remainder stays
     * below 2^62 (x &lt; d &lt; 2^61) and the quotient fits 64 bits, read as unsigned (setup only).
     */
    private static long floorShiftDiv(long x, int e, long d) {
        long rem = x;
        long quo = 0;
        for (int i = 0; i < e; i++) {
            rem <<= 1;
            quo <<= 1;
            if (rem >= d) {
                rem -= d;
                quo |= 1;
            }
        }
        return quo;
    }

    /** The modulus q. */
    public long value() {
        return q;
    }

    /** The bit length of q. */
    public int bits() {
        return bits;
    }

    int shiftHigh() {
        return shiftHigh;
    }

    int shiftLow() {
        return shiftLow;
    }

    int shiftOut() {
        return shiftOut;
    }

    /**
     * z = x * y mod q element by element (the Barrett product of {@link #mul(long, long)}), on
     * the vector kernels when {@link Simd} has them ready.
     *
     * @param x values in [0, q)
     * @param y values in [0, q), as many
     * @param z as many (modified; may alias x or y); on return in [0, q)
     * @throws IllegalArgumentException if the lengths differ
     */
    public void mul(long[] x, long[] y, long[] z) {
        checkLengths(x, y, z);
        Kernels kernels = Simd.KERNELS;
        if (kernels != null && Simd.use(z.length)) {
            kernels.mul(this, x, y, z);
        } else {
            mulScalar(x, y, z);
        }
    }

    /** {@link #mul(long[], long[], long[])} on scalar code whatever {@link Simd} chose. */
    void mulScalar(long[] x, long[] y, long[] z) {
        for (int j = 0; j < z.length; j++) {
            z[j] = mul(x[j], y[j]);
        }
    }

    /**
     * z = (z + x * y) mod q element by element, on the vector kernels when {@link Simd} has them
     * ready.
     *
     * @param x values in [0, q)
     * @param y values in [0, q), as many
     * @param z values in [0, q), as many (modified; may alias x or y); on return in [0, q)
     * @throws IllegalArgumentException if the lengths differ
     */
    public void mulAdd(long[] x, long[] y, long[] z) {
        checkLengths(x, y, z);
        Kernels kernels = Simd.KERNELS;
        if (kernels != null && Simd.use(z.length)) {
            kernels.mulAdd(this, x, y, z);
        } else {
            mulAddScalar(x, y, z);
        }
    }

    /** {@link #mulAdd(long[], long[], long[])} on scalar code whatever {@link Simd} chose. */
    void mulAddScalar(long[] x, long[] y, long[] z) {
        for (int j = 0; j < z.length; j++) {
            long s = z[j] + mul(x[j], y[j]) - q;
            z[j] = s + ((s >> 63) & q);
        }
    }

    private static void checkLengths(long[] x, long[] y, long[] z) {
        if (x.length != z.length || y.length != z.length) {
            throw new IllegalArgumentException("array lengths differ: x " + x.length + ", y " + y.length
                    + ", z " + z.length);
        }
    }

    /** The Barrett constant floor(2^(2k)/q), k = {@link #bits()}. */
    public long barrettConstant() {
        return barrettM;
    }

    /** (a + b) mod q. */
    public long add(long a, long b) {
        long s = a + b - q;
        return s + ((s >> 63) & q);
    }

    /** (a - b) mod q. */
    public long sub(long a, long b) {
        long s = a - b;
        return s + ((s >> 63) & q);
    }

    /** (-a) mod q. */
    public long neg(long a) {
        return a == 0 ? 0 : q - a;
    }

    /**
     * (a * b) mod q by Barrett reduction.
     *
     * @param a in [0, q)
     * @param b in [0, q)
     * @return a*b mod q in [0, q)
     */
    public long mul(long a, long b) {
        return reduce128(Math.multiplyHigh(a, b), a * b);
    }

    /**
     * Reduces the 128-bit value hi*2^64 + lo, which must be below q^2 (for example a product
     * of two values in [0, q)).
     *
     * @param hi the high word (non-negative)
     * @param lo the low word (read as unsigned)
     * @return the value mod q, in [0, q)
     */
    public long reduce128(long hi, long lo) {
        long x1 = (hi << shiftHigh) | (lo >>> shiftLow);
        long ph = Math.multiplyHigh(x1, barrettM);
        long pl = x1 * barrettM;
        long est = (ph << (64 - shiftOut)) | (pl >>> shiftOut);
        long r = lo - est * q;
        r -= q;
        r += (r >> 63) & q;
        r -= q;
        r += (r >> 63) & q;
        return r;
    }

    /**
     * x mod q for any non-negative 64-bit x (x &lt; 2^63).
     *
     * @param x in [0, 2^63)
     * @return x mod q
     */
    public long reduce(long x) {
        if (x < q) {
            return x;
        }
        if (bits >= 32) {
            return reduce128(0, x);
        }
        return reduceLong(x);
    }

    /**
     * x mod q for any non-negative 64-bit x, without division: the quotient estimate
     * floor(x floor(2^64 / q) / 2^64) is at most one below floor(x / q), so one conditional
     * subtraction finishes (the lazy sums of the multiply-and-sum products use this).
     *
     * @param x in [0, 2^63)
     * @return x mod q, in [0, q)
     */
    public long reduceLong(long x) {
        long r = x - Math.multiplyHigh(x, floor64) * q - q;
        return r + ((r >> 63) & q);
    }

    /**
     * x mod q for any signed 64-bit x, in [0, q).
     *
     * @param x any long
     * @return the representative of x in [0, q)
     */
    public long reduceSigned(long x) {
        if (x >= 0) {
            return reduce(x);
        }
        // x = -(~x) - 1 and ~x >= 0, so x mod q = q - 1 - (~x mod q), which lies in [0, q).
        return q - 1 - reduce(~x);
    }

    /**
     * The Shoup companion floor(w * 2^64 / q) of a constant w, as an unsigned 64-bit value.
     *
     * @param w in [0, q)
     * @return the companion, to pass with w to {@link #mulShoup} and {@link #mulShoupLazy}
     */
    public long shoup(long w) {
        if (w < 0 || w >= q) {
            throw new IllegalArgumentException("Shoup constant must be in [0, q), got " + w);
        }
        // w 2^64 = Q q + R with Q < 2^64 (as w < q) and R = w (2^64 mod q) mod q; Q q = w 2^64 - R is
        // divisible by the odd q, so Q = -R q^-1 mod 2^64 exactly: two products and a reduction where
        // a bit-by-bit division took 64 steps (the NTT tables of a parameter set need 2 N of these
        // per prime, which made reading a plan wait for them).
        return -mul(w, pow64) * qInv64;
    }

    /**
     * The high 64 bits of the unsigned 128-bit product a * b for 0 &le; a &lt; 2^63 and b read as
     * unsigned. Java 17 has no {@code unsignedMultiplyHigh}: when b's top bit is set, the signed
     * high word is short by exactly a.
     */
    static long mulHighUnsignedB(long a, long b) {
        return Math.multiplyHigh(a, b) + ((b >> 63) & a);
    }

    /**
     * Shoup multiplication by a constant, lazy output.
     *
     * @param a  in [0, 2^63)
     * @param w  the constant, in [0, q)
     * @param wp its companion {@link #shoup(long)}
     * @return a*w mod q, in [0, 2q)
     */
    public long mulShoupLazy(long a, long w, long wp) {
        long est = Math.multiplyHigh(a, wp) + ((wp >> 63) & a);
        return a * w - est * q;
    }

    /**
     * Shoup multiplication by a constant.
     *
     * @param a  in [0, 2^63)
     * @param w  the constant, in [0, q)
     * @param wp its companion {@link #shoup(long)}
     * @return a*w mod q, in [0, q)
     */
    public long mulShoup(long a, long w, long wp) {
        long est = Math.multiplyHigh(a, wp) + ((wp >> 63) & a);
        long r = a * w - est * q - q;
        return r + ((r >> 63) & q);
    }

    /**
     * Brings a value in [0, 2q) into [0, q).
     *
     * @param a in [0, 2q)
     * @return a mod q
     */
    public long reduceOnce(long a) {
        long r = a - q;
        return r + ((r >> 63) & q);
    }

    /**
     * Lazy addition: the sum of two values in [0, 2q), brought back into [0, 2q).
     *
     * @param a in [0, 2q)
     * @param b in [0, 2q)
     * @return a + b mod q, in [0, 2q)
     */
    public long addLazy(long a, long b) {
        long s = a + b - 2 * q;
        return s + ((s >> 63) & (2 * q));
    }

    /**
     * a^e mod q by square-and-multiply.
     *
     * @param a in [0, q)
     * @param e a non-negative exponent
     * @return a^e mod q
     */
    public long pow(long a, long e) {
        if (e < 0) {
            throw new IllegalArgumentException("exponent must be non-negative, got " + e);
        }
        long result = 1 % q;
        long base = a;
        while (e != 0) {
            if ((e & 1) != 0) {
                result = mul(result, base);
            }
            base = mul(base, base);
            e >>>= 1;
        }
        return result;
    }

    /**
     * The inverse of a mod q, by the extended Euclidean algorithm (q need not be prime).
     *
     * @param a in [0, q)
     * @return a^-1 mod q
     * @throws ArithmeticException if a is not invertible mod q
     */
    public long inv(long a) {
        long r0 = q;
        long r1 = reduce(a);
        long t0 = 0;
        long t1 = 1;
        while (r1 != 0) {
            long quo = r0 / r1;
            long r2 = r0 - quo * r1;
            r0 = r1;
            r1 = r2;
            long t2 = t0 - quo * t1;
            t0 = t1;
            t1 = t2;
        }
        if (r0 != 1) {
            throw new ArithmeticException(a + " is not invertible modulo " + q);
        }
        return t0 < 0 ? t0 + q : t0;
    }

    /**
     * The Montgomery factor R = 2^64 mod q.
     *
     * @return 2^64 mod q, in [0, q)
     */
    public long montgomeryFactor() {
        return Long.remainderUnsigned(-q, q);
    }

    /**
     * Montgomery reduction: T 2^-64 mod q for the 128-bit T = hi*2^64 + lo with T &lt; q 2^64.
     * A sum of up to floor(2^64 / q) products of values in [0, q) (at least 8 for q &lt; 2^61)
     * qualifies, so a multiply-accumulate can add full products and reduce once; operands
     * premultiplied by {@link #montgomeryFactor()} make the result exact.
     *
     * @param hi the high word, in [0, q)
     * @param lo the low word (read as unsigned)
     * @return T 2^-64 mod q, in [0, q)
     */
    public long montgomeryReduce(long hi, long lo) {
        // m = lo q^-1 mod 2^64 makes the low word of m q equal lo, so T - m q = (hi - high(m q)) 2^64 exactly;
        // with m signed, |high(m q)| <= q/2 + 1 and the quotient lies in (-q/2 - 1, 3q/2 + 1).
        long m = lo * qInv64;
        long t = hi - Math.multiplyHigh(m, q);
        t += (t >> 63) & q;
        t -= q;
        return t + ((t >> 63) & q);
    }

    /**
     * The centered representative of a: a if a &lt;= q/2, else a - q.
     *
     * @param a in [0, q)
     * @return the value in (-q/2, q/2]
     */
    public long centered(long a) {
        return a > (q >>> 1) ? a - q : a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Modulus && ((Modulus) o).q == q;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(q);
    }

    @Override
    public String toString() {
        return "Modulus(" + q + ", " + bits + " bits)";
    }
}
