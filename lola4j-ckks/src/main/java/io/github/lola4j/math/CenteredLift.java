package io.github.lola4j.math;

/**
 * Lifts RNS residues to the centered integer in (-Q/2, Q/2], as a double, without BigInteger.
 *
 * <p>The value is rebuilt in balanced mixed radix, x = a_0 + q_0 (a_1 + q_1 (a_2 + ...)) with
 * every digit a_k in (-q_k/2, q_k/2] (Garner's algorithm with centered digits), then evaluated by
 * Horner's rule in floating point from the top digit down, so the result is accurate to a
 * relative 2^-52 whatever the size of Q. Small values, the usual case when decoding, stop after
 * the first digit. Cost: at most L(L+1)/2 modular multiplications per coefficient.
 */
public final class CenteredLift {

    private CenteredLift() {
    }

    /**
     * Lifts N coefficients.
     *
     * @param rows   k rows of N residues, row i in [0, q_i) (not modified)
     * @param moduli the k moduli
     * @param out    N doubles (modified: the centered values)
     */
    public static void toCenteredDoubles(long[][] rows, Modulus[] moduli, double[] out) {
        int k = moduli.length;
        int n = out.length;
        if (rows.length < k) {
            throw new IllegalArgumentException("expected " + k + " rows, got " + rows.length);
        }
        if (k == 1) {
            Modulus m = moduli[0];
            long[] r = rows[0];
            for (int c = 0; c < n; c++) {
                out[c] = m.centered(r[c]);
            }
            return;
        }
        // inv[i][j] = q_j^-1 mod q_i for j < i.
        long[][] inv = new long[k][];
        long[][] invShoup = new long[k][];
        for (int i = 1; i < k; i++) {
            inv[i] = new long[i];
            invShoup[i] = new long[i];
            for (int j = 0; j < i; j++) {
                inv[i][j] = moduli[i].inv(moduli[i].reduce(moduli[j].value()));
                invShoup[i][j] = moduli[i].shoup(inv[i][j]);
            }
        }
        long[] t = new long[k];
        long[] digits = new long[k];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < k; i++) {
                t[i] = rows[i][c];
            }
            int used = 0;
            for (int d = 0; d < k; d++) {
                long a = moduli[d].centered(t[d]);
                digits[d] = a;
                used = d + 1;
                boolean rest = false;
                for (int i = d + 1; i < k; i++) {
                    Modulus mi = moduli[i];
                    long diff = mi.sub(t[i], mi.reduceSigned(a));
                    long v = mi.mulShoup(diff, inv[i][d], invShoup[i][d]);
                    t[i] = v;
                    rest |= v != 0;
                }
                if (!rest) {
                    break;
                }
            }
            double x = digits[used - 1];
            for (int d = used - 2; d >= 0; d--) {
                x = x * moduli[d].value() + digits[d];
            }
            out[c] = x;
        }
    }
}
