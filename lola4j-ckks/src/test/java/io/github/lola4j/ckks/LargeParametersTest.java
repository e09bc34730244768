package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The N = 32768 preset end to end (slow: run with mvn -Pslow verify). */
@Tag("slow")
class LargeParametersTest {

    @Test
    void n32768MultiplyRotateAndRescaleDownEveryLevel() {
        CkksParameters params = ParameterPresets.n32768Depth13();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(params, rnd);
        SecretKey sk = kg.secretKey();
        Evaluator ev = new Evaluator(params, kg.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(1)));
        Encoder enc = new Encoder(params);
        Encryptor encryptor = new Encryptor(kg.publicKey(sk), rnd);
        Decryptor dec = new Decryptor(sk);
        SplittableRandom r = new SplittableRandom(1);
        double[] x = new double[params.slots()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble(-1, 1);
        }
        Ciphertext ct = encryptor.encrypt(enc.encode(x));
        double[] expected = x.clone();
        while (ct.level() > 0) {
            ct = ev.rotate(ev.rescale(ev.multiplyRelin(ct, ct)), 1);
            double[] next = new double[expected.length];
            for (int i = 0; i < expected.length; i++) {
                double v = expected[(i + 1) % expected.length];
                next[i] = v * v;
            }
            expected = next;
            PrecisionStats s = PrecisionStats.compare(expected, enc.decode(dec.decrypt(ct)));
            // Scale 2^50: each squaring at most doubles the error of values in [-1, 1].
            assertTrue(s.maxError() < Math.scalb(1.0, -30 + (params.maxLevel() - ct.level())), "level " + ct.level() + ": " + s);
        }
    }
}
