package io.github.lola4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.Network;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** The committed PyTorch exports (src/test/python/make_models.py) and what the tests check on them. */
final class TestModels {

    private TestModels() {
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = TestModels.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " is missing");
            }
            return in.readAllBytes();
        }
    }

    /** The (input, PyTorch output) pairs written beside a model. */
    static List<double[][]> pairs(String model) throws IOException {
        String[] lines = new String(resource(model + ".pairs"), StandardCharsets.US_ASCII).split("\n");
        List<double[][]> out = new ArrayList<>();
        for (int i = 0; i + 1 < lines.length; i += 2) {
            out.add(new double[][] {values(lines[i], "input"), values(lines[i + 1], "output")});
        }
        return out;
    }

    private static double[] values(String line, String tag) {
        String[] f = line.trim().split(" ");
        assertEquals(tag, f[0]);
        double[] v = new double[f.length - 1];
        for (int i = 1; i < f.length; i++) {
            v[i - 1] = Double.parseDouble(f[i]);
        }
        return v;
    }

    /** PyTorch computed in float32, lola4j in double: equal to a relative 1e-5. */
    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int k = 0; k < actual.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, Math.abs(expected[k])), what + " output " + k);
        }
    }

    /** Compiles the network (calibrated on the inputs), evaluates each input encrypted and compares with plaintext. */
    static void assertEncryptedAgrees(Network n, List<double[]> inputs, String what) {
        Plan plan = LolaCompiler.compile(n, CompileOptions.lowLatency().withCalibration(inputs));
        ClientPlan client = plan.clientPlan();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(client.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());
        for (double[] x : inputs) {
            double[] plain = n.forward(x);
            double[] enc = client.decryptOutput(plan.evaluate(client.encryptInput(x, sk, rnd), evk), sk);
            for (int k = 0; k < plain.length; k++) {
                assertEquals(plain[k], enc[k], 1e-3 * Math.max(1, Math.abs(plain[k])), what + " output " + k);
            }
        }
    }
}
