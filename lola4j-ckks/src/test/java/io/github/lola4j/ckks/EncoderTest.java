package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The encoder against the definition: slot j is the message polynomial evaluated at zeta^(5^j). */
class EncoderTest {

    private static final CkksParameters PARAMS = ParameterPresets.n8192Depth2();
    private static final Encoder ENCODER = new Encoder(PARAMS);
    private static final int N = PARAMS.ringDegree();

    /** m(zeta^e) for zeta = exp(i pi / N), with e * t reduced mod 2N before the angle is formed. */
    private static double[] evaluate(double[] m, long e) {
        double re = 0;
        double im = 0;
        for (int t = 0; t < N; t++) {
            double a = Math.PI * ((e * t) % (2L * N)) / N;
            re += m[t] * Math.cos(a);
            im += m[t] * Math.sin(a);
        }
        return new double[] {re, im};
    }

    @Test
    void decodingEvaluatesThePolynomialAtTheSlotRoots() {
        SplittableRandom r = new SplittableRandom(11);
        double[] m = new double[N];
        for (int t = 0; t < N; t++) {
            m[t] = r.nextInt(-1000, 1001);
        }
        double scale = 1 << 10;
        double[][] slots = ENCODER.decodeComplex(new Plaintext(ENCODER.toRns(m, 0, scale), scale));
        long g = 1;
        for (int j = 0; j < N / 2; j++) {
            if (j % 61 == 0 || j == N / 2 - 1) {
                double[] want = evaluate(m, g);
                assertEquals(want[0] / scale, slots[0][j], 1e-9, "re of slot " + j);
                assertEquals(want[1] / scale, slots[1][j], 1e-9, "im of slot " + j);
            }
            g = g * 5 % (2L * N);
        }
    }

    @Test
    void encodingGivesARealPolynomialWithTheseValuesAtTheSlotRoots() {
        SplittableRandom r = new SplittableRandom(12);
        double[] re = new double[N / 2];
        double[] im = new double[N / 2];
        for (int j = 0; j < re.length; j++) {
            re[j] = r.nextDouble(-1, 1);
            im[j] = r.nextDouble(-1, 1);
        }
        double scale = 0x1p30;
        Plaintext pt = ENCODER.encodeComplex(re, im, 0, scale);
        double[] m = Encoder.centeredCoefficients(pt.poly());
        long g = 1;
        double worst = 0;
        for (int j = 0; j < N / 2; j++) {
            if (j % 61 == 0) {
                double[] got = evaluate(m, g);
                worst = Math.max(worst, Math.abs(got[0] / scale - re[j]));
                worst = Math.max(worst, Math.abs(got[1] / scale - im[j]));
                // the conjugate root carries the conjugate value: the polynomial is real
                double[] conj = evaluate(m, 2L * N - g);
                assertEquals(got[0], conj[0], 1e-6 * scale);
                assertEquals(got[1], -conj[1], 1e-6 * scale);
            }
            g = g * 5 % (2L * N);
        }
        // rounding each coefficient moves a slot by at most N * 0.5 / scale, typically sqrt(N) / scale
        assertTrue(worst < 4 * Math.sqrt(N) / scale, "worst slot error " + worst);
    }
}
