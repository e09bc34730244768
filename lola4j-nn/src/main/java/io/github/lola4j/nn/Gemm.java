package io.github.lola4j.nn;

/**
 * The matrix product under the convolutions' im2col passes: {@code C += A B} with {@code C} and
 * {@code B} held as arrays of rows and {@code A} read as scalars from a flat array with any two
 * strides (so {@code A} or its transpose, without copying).
 *
 * <p>Why it is shaped like this:
 * <ul>
 * <li>Rows as separate arrays, every one indexed by the bare loop variable: JDK 17's C2 does not
 * vectorize a loop in which two {@code double[]} accesses carry different loop-invariant offsets
 * ({@code c[c0 + j] += w * b[b0 + j]}), which is what a flat row-major matrix gives; the loop then
 * runs scalar, about 3 GMAC/s on the trainer's machine against 12 with row arrays (AVX-512).
 * <li>Four rows of {@code C} and two rows of {@code B} per inner loop: each loaded {@code B} value
 * serves four rows, each loaded and stored {@code C} value takes two products. Four rows by four
 * terms measured at 5 GMAC/s, two rows by four about the same as four by two.
 * <li>Tiles of {@link #K_TILE} rows of {@code B} by {@link #J_TILE} columns, so the tile of
 * {@code B} stays in the L2 cache while every row group of {@code C} passes over it, and four rows
 * of a {@code C} tile stay in L1.
 * </ul>
 *
 * <p>Every element of {@code C} adds its products one at a time in increasing {@code l}, onto its
 * starting value ({@code c + a0 b0 + a1 b1 + ...}, left to right): the tiling changes the order
 * in which elements are visited, never the order of any element's sum. The result is therefore
 * that of the plain triple loop, bit for bit, whatever the tile sizes.
 */
final class Gemm {

    /** Rows of {@code B} (terms of each sum) per tile. */
    static final int K_TILE = 256;
    /** Columns of {@code B} and {@code C} per tile. */
    static final int J_TILE = 512;

    private Gemm() {
    }

    /**
     * {@code c[i][j] += sum over l < k of a[aOff + i*aRow + l*aCol] * b[l][j]} for {@code i < m},
     * {@code j < n}, each sum taken in increasing {@code l}.
     *
     * @param c    m rows of at least n values, updated in place
     * @param m    rows of C
     * @param n    columns of C and B
     * @param a    the flat array holding A
     * @param aOff index of A(0, 0)
     * @param aRow index step from A(i, l) to A(i + 1, l)
     * @param aCol index step from A(i, l) to A(i, l + 1)
     * @param b    k rows of at least n values
     * @param k    columns of A, rows of B
     */
    static void multiplyAdd(double[][] c, int m, int n, double[] a, int aOff, int aRow, int aCol, double[][] b, int k) {
        for (int l0 = 0; l0 < k; l0 += K_TILE) {
            int l1 = Math.min(k, l0 + K_TILE);
            for (int j0 = 0; j0 < n; j0 += J_TILE) {
                int j1 = Math.min(n, j0 + J_TILE);
                int i = 0;
                for (; i + 3 < m; i += 4) {
                    fourRows(c[i], c[i + 1], c[i + 2], c[i + 3], a, aOff + i * aRow, aRow, aCol, b, l0, l1, j0, j1);
                }
                for (; i < m; i++) {
                    oneRow(c[i], a, aOff + i * aRow, aCol, b, l0, l1, j0, j1);
                }
            }
        }
    }

    private static void fourRows(double[] c0, double[] c1, double[] c2, double[] c3, double[] a, int a0, int aRow,
            int aCol, double[][] b, int l0, int l1, int j0, int j1) {
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        int l = l0;
        for (; l + 1 < l1; l += 2) {
            int la = l * aCol, lb = la + aCol;
            double w00 = a[a0 + la], w10 = a[a1 + la], w20 = a[a2 + la], w30 = a[a3 + la];
            double w01 = a[a0 + lb], w11 = a[a1 + lb], w21 = a[a2 + lb], w31 = a[a3 + lb];
            double[] u = b[l], v = b[l + 1];
            for (int j = j0; j < j1; j++) {
                double uj = u[j], vj = v[j];
                c0[j] = c0[j] + w00 * uj + w01 * vj;
                c1[j] = c1[j] + w10 * uj + w11 * vj;
                c2[j] = c2[j] + w20 * uj + w21 * vj;
                c3[j] = c3[j] + w30 * uj + w31 * vj;
            }
        }
        if (l < l1) {
            int la = l * aCol;
            double w0 = a[a0 + la], w1 = a[a1 + la], w2 = a[a2 + la], w3 = a[a3 + la];
            double[] u = b[l];
            for (int j = j0; j < j1; j++) {
                double uj = u[j];
                c0[j] += w0 * uj;
                c1[j] += w1 * uj;
                c2[j] += w2 * uj;
                c3[j] += w3 * uj;
            }
        }
    }

    private static void oneRow(double[] c0, double[] a, int a0, int aCol, double[][] b, int l0, int l1, int j0, int j1) {
        int l = l0;
        for (; l + 1 < l1; l += 2) {
            double w0 = a[a0 + l * aCol], w1 = a[a0 + (l + 1) * aCol];
            double[] u = b[l], v = b[l + 1];
            for (int j = j0; j < j1; j++) {
                c0[j] = c0[j] + w0 * u[j] + w1 * v[j];
            }
        }
        if (l < l1) {
            double w0 = a[a0 + l * aCol];
            double[] u = b[l];
            for (int j = j0; j < j1; j++) {
                c0[j] += w0 * u[j];
            }
        }
    }
}
