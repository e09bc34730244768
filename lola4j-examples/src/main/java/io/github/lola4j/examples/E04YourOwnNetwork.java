package io.github.lola4j.examples;

import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.ModelInfo;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Example 4, a network of your own: layers built in code (a strided convolution, a square
 * activation, a dense layer; here with random weights, where yours would come from training or a
 * model file), compiled for encrypted inference with the compiler's own choice of layouts, kernels,
 * parameters and keys, and run encrypted against its plaintext twin (docs/lola.md, "Running a new
 * network").
 */
public final class E04YourOwnNetwork {

    private E04YourOwnNetwork() {
    }

    /**
     * Runs the example.
     *
     * @param args ignored
     * @throws IOException when the embedded sample cannot be read
     */
    public static void main(String[] args) throws IOException {
        run(System.out);
    }

    /**
     * Runs the example.
     *
     * @param print where to print
     * @return the largest difference between the decrypted scores and the plaintext network's,
     *         relative to the largest plaintext score
     * @throws IOException when the embedded sample cannot be read
     */
    public static double run(PrintStream print) throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        Conv2d.Geometry g = Conv2d.Geometry.square(1, 5, 5, 2, 0, 0, 0, 0);   // 1 -> 5 maps, 5x5, stride 2
        Conv2d conv = Conv2d.of(g, random(r, g.weightCount(), 0.2), random(r, 5, 0.1));
        Dense dense = Dense.of(5 * 12 * 12, 10, random(r, 5 * 12 * 12 * 10, 0.05), random(r, 10, 0.1));
        LabeledImages sample = Mnist.embeddedSample();
        List<double[]> samples = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            samples.add(sample.image(i, 1.0 / 256));
        }
        // snippet own-network
        Network net = Network.of(Shape.of(1, 28, 28), List.of(conv, Square.INSTANCE, Flatten.INSTANCE, dense),
                ModelInfo.untrained("mine", "mnist", 1.0 / 256));
        Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(samples));
        // end snippet
        print.println(plan.report());
        ClientPlan client = plan.clientPlan();
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(client.parameters(), rnd);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());
        double worst = 0;
        for (int i = 0; i < 2; i++) {
            double[] x = samples.get(i);
            double[] scores = client.decryptOutput(plan.evaluate(client.encryptInput(x, sk, rnd), evk), sk);
            double[] plain = net.forward(x);
            double largest = 0;
            double err = 0;
            for (int k = 0; k < plain.length; k++) {
                largest = Math.max(largest, Math.abs(plain[k]));
                err = Math.max(err, Math.abs(scores[k] - plain[k]));
            }
            worst = Math.max(worst, err / largest);
            print.printf(Locale.ROOT, "image %d: scores within %.1e of the plaintext network's (largest score %.2f)%n", i, err,
                    largest);
        }
        return worst;
    }

    private static double[] random(SplittableRandom r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(-scale, scale);
        }
        return v;
    }
}
