package io.github.lola4j.examples;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.Evaluator;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.ParameterPresets;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * Example 2, what crosses the wire: the client writes the parameter set, its public key, its
 * evaluation keys and a ciphertext to a byte stream (and its secret key only to a file of its
 * own); the server reads them back, squares the ciphertext and writes the result; the client
 * decrypts it (docs/ckks-serialization.md).
 */
public final class E02Serialization {

    private E02Serialization() {
    }

    /**
     * Runs the example.
     *
     * @param args ignored
     * @throws IOException when the secret key's file cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("lola4j-e02");
        run(dir.resolve("secret.key"), System.out);
    }

    /**
     * Runs the example.
     *
     * @param secretKeyFile where the client keeps its secret key
     * @param print         where to print
     * @return the largest error of the decrypted squares
     * @throws IOException when the file cannot be written
     */
    public static double run(Path secretKeyFile, PrintStream print) throws IOException {
        CkksParameters params = ParameterPresets.n8192Depth3();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(params, rnd);
        SecretKey secretKey = kg.secretKey();
        PublicKey publicKey = kg.publicKey(secretKey);
        EvaluationKeys evaluationKeys = kg.evaluationKeys(secretKey, KeyRequirements.relinearization());
        Encoder encoder = new Encoder(params);
        double[] values = {0.5, -0.25, 1.0, 0.125};
        Ciphertext ciphertext = new Encryptor(publicKey, rnd).encrypt(encoder.encode(values));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream localFile = Files.newOutputStream(secretKeyFile)) {
            // snippet serialization-client
            CkksSerializer ser = new CkksSerializer(params);       // writes the seeded (compact) form
            ser.writeParameters(out);                               // the parameter set goes first
            ser.write(out, publicKey);
            ser.write(out, evaluationKeys);                         // relinearization + Galois keys
            ser.write(out, ciphertext);
            ser.writeSecretKey(localFile, secretKey);               // only to storage the client controls
            // end snippet
        }
        print.printf(Locale.ROOT, "client sent %d bytes: parameters, public key, evaluation keys, one ciphertext%n", out.size());

        byte[] answer = server(new ByteArrayInputStream(out.toByteArray()));

        CkksSerializer ser = new CkksSerializer(params);
        Ciphertext squared = ser.readCiphertext(new ByteArrayInputStream(answer));
        double[] got = encoder.decode(new Decryptor(secretKey).decrypt(squared));
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - values[i] * values[i]));
        }
        print.printf(Locale.ROOT, "server answered %d bytes; the squares decrypt within %.1e%n", answer.length, worst);
        return worst;
    }

    /**
     * The server: reads what the client sent, squares the ciphertext, writes it back. (It reads
     * the public key too, as a server that encrypts constants of its own would use it.)
     */
    private static byte[] server(InputStream in) {
        try {
            // snippet serialization-server
            CkksParameters params = CkksSerializer.readParameters(in);   // rebuilt and re-validated
            CkksSerializer ser = new CkksSerializer(params);
            PublicKey pk = ser.readPublicKey(in);
            EvaluationKeys evk = ser.readEvaluationKeys(in);
            Ciphertext ct = ser.readCiphertext(in);
            // end snippet
            Evaluator eval = new Evaluator(params, evk);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ser.write(answer, eval.rescale(eval.multiplyRelin(ct, ct)));
            return answer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
