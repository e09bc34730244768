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
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;

/**
 * Example 3, encrypted MNIST through the compiler: the shipped {@code lola} network compiled for
 * encrypted inference, an image encrypted by the client, evaluated by the server with evaluation
 * keys only, and decrypted by the client (docs/lola.md, "In one screen"). Uses the 100 MNIST test
 * images the data module carries.
 */
public final class E03EncryptedMnist {

    private E03EncryptedMnist() {
    }

    /**
     * Runs the example.
     *
     * @param args ignored
     * @throws IOException when the shipped model or sample cannot be read
     */
    public static void main(String[] args) throws IOException {
        run(System.out);
    }

    /**
     * Runs the example on the first image of the embedded sample.
     *
     * @param print where to print
     * @return the largest difference between the decrypted scores and the plaintext network's
     * @throws IOException when the shipped model or sample cannot be read
     * @throws IllegalStateException when the encrypted prediction differs from the plaintext one
     */
    public static double run(PrintStream print) throws IOException {
        LabeledImages sample = Mnist.embeddedSample();
        Network model = ModelRegistry.load("lola");
        List<double[]> images = new ArrayList<>();
        for (int i = 0; i < sample.count(); i++) {
            images.add(model.input(sample, i));   // the model's own preprocessing of the pixels
        }
        double[] image = images.get(0);
        SecureRandom rnd = new SecureRandom();
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            // snippet encrypted-mnist
            Network net = ModelRegistry.load("lola");                     // or Network.load(path): any nn model file
            Plan plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(images));
            System.out.println(plan.report());                            // before any key exists

            // client: the client plan is what a server hands out (parameters, layouts, keys; no weights)
            ClientPlan client = plan.clientPlan();
            KeyGenerator kg = new KeyGenerator(client.parameters(), new SecureRandom());
            SecretKey sk = kg.secretKey();                                // never leaves the client
            EvaluationKeys evk = kg.evaluationKeys(sk, client.keyRequirements());  // exactly the keys the plan uses
            EncryptedTensor x = client.encryptInput(image, kg.publicKey(sk), rnd); // lays the image out, then encrypts

            // server: sees x, evk and the plan, never sk
            EncryptedTensor y = plan.evaluate(x, evk, Parallelism.of(pool));

            // client
            double[] scores = client.decryptOutput(y, sk);
            // end snippet
            double[] plain = net.forward(image);
            double worst = 0;
            for (int i = 0; i < plain.length; i++) {
                worst = Math.max(worst, Math.abs(scores[i] - plain[i]));
            }
            print.printf(Locale.ROOT, "image 0 (label %d): encrypted prediction %d, plaintext %d; scores within %.1e%n",
                    sample.label(0), Tensor.argmax(scores), Tensor.argmax(plain), worst);
            if (Tensor.argmax(scores) != Tensor.argmax(plain)) {
                throw new IllegalStateException("the encrypted prediction differs from the plaintext one");
            }
            return worst;
        } finally {
            pool.shutdown();
        }
    }
}
