package io.github.lola4j.examples;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.ParameterPresets;
import io.github.lola4j.ckks.PrecisionStats;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Example 1, CKKS basics: a 128-bit parameter set, the client's keys, encoding and encryption,
 * a product with relinearization and rescaling, a rotation, a plaintext added at the result's
 * level and scale (after a rescale the scale is 2^80 / q, not exactly 2^40), and the
 * precision of the decrypted result against the same computation on plain numbers
 * (docs/ckks.md, "In one screen").
 */
public final class E01CkksBasics {

    private E01CkksBasics() {
    }

    /**
     * Runs the example.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Runs the example, printing what it does.
     *
     * @param print where to print
     * @return the precision of the result: x^2 rotated by one slot, plus x
     */
    public static PrecisionStats run(PrintStream print) {
        double[] values = new double[ParameterPresets.n16384Depth6().slots()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextDouble(-1, 1);
        }
        double[] expected = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double next = values[(i + 1) % values.length];
            expected[i] = next * next + values[i];
        }
        // snippet ckks-basics
        CkksParameters params = ParameterPresets.n16384Depth6();        // or CkksParameters.builder()...build()
        SecureRandom rnd = new SecureRandom();
        KeyGenerator keygen = new KeyGenerator(params, rnd);
        SecretKey sk = keygen.secretKey();                               // stays with the client
        PublicKey pk = keygen.publicKey(sk);
        EvaluationKeys evk = keygen.evaluationKeys(sk,
                KeyRequirements.relinearization().withRotations(1, 2, 4).withConjugation());

        Encoder encoder = new Encoder(params);
        Encryptor encryptor = new Encryptor(pk, rnd);
        Evaluator eval = new Evaluator(params, evk);                     // thread-safe, shareable
        Decryptor decryptor = new Decryptor(sk);

        Ciphertext x = encryptor.encrypt(encoder.encode(values));       // values: double[] of up to N/2
        Ciphertext y = eval.rotate(eval.rescale(eval.multiplyRelin(x, x)), 1);
        eval.addPlain(y, encoder.encode(values, y.level(), y.scale()), y); // into-form: out may alias an input
        double[] out = encoder.decode(decryptor.decrypt(y));
        PrecisionStats stats = PrecisionStats.compare(expected, out);   // stats.maxLog2Error() etc.
        // end snippet
        print.printf(Locale.ROOT, "N = %d, %d slots, scale 2^%.0f: rot(x^2, 1) + x decrypts within 2^%.1f (mean 2^%.1f)%n",
                params.ringDegree(), params.slots(), Math.log(params.defaultScale()) / Math.log(2), stats.maxLog2Error(),
                stats.meanLog2Error());
        return stats;
    }
}
