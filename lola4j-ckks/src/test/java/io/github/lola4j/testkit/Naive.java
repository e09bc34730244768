package io.github.lola4j.testkit;

import java.math.BigInteger;

/** Slow, obviously-correct reference implementations that the fast code is checked against. */
public final class Naive {

    private Naive() {
    }

    /** a*b mod q through BigInteger. */
    public static long mulMod(long a, long b, long q) {
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(BigInteger.valueOf(q)).longValueExact();
    }

    /** a^e mod q through BigInteger. */
    public static long powMod(long a, long e, long q) {
        return BigInteger.valueOf(a).modPow(BigInteger.valueOf(e), BigInteger.valueOf(q)).longValueExact();
    }

    /** The schoolbook negacyclic product of a and b mod (X^N + 1, q), O(N^2). */
    public static long[] negacyclicProduct(long[] a, long[] b, long q) {
        int n = a.length;
        BigInteger bq = BigInteger.valueOf(q);
        BigInteger[] acc = new BigInteger[n];
        for (int i = 0; i < n; i++) {
            acc[i] = BigInteger.ZERO;
        }
        for (int i = 0; i < n; i++) {
            if (a[i] == 0) {
                continue;
            }
            BigInteger ai = BigInteger.valueOf(a[i]);
            for (int j = 0; j < n; j++) {
                BigInteger p = ai.multiply(BigInteger.valueOf(b[j]));
                int k = i + j;
                if (k < n) {
                    acc[k] = acc[k].add(p);
                } else {
                    acc[k - n] = acc[k - n].subtract(p);
                }
            }
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = acc[i].mod(bq).longValueExact();
        }
        return out;
    }

    /** The value of the polynomial a at x, mod q (Horner). */
    public static long evaluate(long[] a, long x, long q) {
        long r = 0;
        for (int i = a.length - 1; i >= 0; i--) {
            r = (mulMod(r, x, q) + a[i]) % q;
        }
        return r;
    }

    /** a(X^g) mod (X^N + 1, q) by the definition: coefficient i moves to i*g mod 2N, negated past N. */
    public static long[] automorphism(long[] a, long g, long q) {
        int n = a.length;
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long j = ((long) i * g) % (2L * n);
            if (j < n) {
                out[(int) j] = (out[(int) j] + a[i]) % q;
            } else {
                out[(int) (j - n)] = (out[(int) (j - n)] - a[i] % q + q) % q;
            }
        }
        return out;
    }
}
