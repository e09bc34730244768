package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.nn.Tensor;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear exception before anything is evaluated. */
class PlanInputTest {

    private static final SecureRandom RND = new SecureRandom();
    private static Plan plan;
    private static Plan other;
    private static SecretKey sk;
    private static PublicKey pk;
    private static EvaluationKeys evk;

    @BeforeAll
    static void setUp() {
        Network net = CompilerTest.net(Shape.of(1, 4, 4), 1.0, 31, io.github.lola4j.nn.Flatten.INSTANCE, Dense.zeros(16, 8),
                Square.INSTANCE, Dense.zeros(8, 3));
        plan = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(CompilerTest.inputs(net, 4, 1)));
        Network net2 = CompilerTest.net(Shape.of(1, 4, 4), 1.0, 32, io.github.lola4j.nn.Flatten.INSTANCE, Dense.zeros(16, 8),
                Square.INSTANCE, Dense.zeros(8, 3));
        other = LolaCompiler.compile(net2, CompileOptions.lowLatency().withCalibration(CompilerTest.inputs(net2, 4, 1)));
        KeyGenerator kg = new KeyGenerator(plan.parameters(), RND);
        sk = kg.secretKey();
        pk = kg.publicKey(sk);
        evk = kg.evaluationKeys(sk, plan.keyRequirements());
    }

    private static void refused(Runnable r, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void wrongShapesAndValuesAreRefused() {
        refused(() -> plan.clientPlan().encryptInput(new double[15], pk, RND), "takes 16 values");
        double[] nan = new double[16];
        nan[3] = Double.NaN;
        refused(() -> plan.clientPlan().encryptInput(nan, pk, RND), "value 3 is NaN");
        double[] inf = new double[16];
        inf[0] = Double.POSITIVE_INFINITY;
        refused(() -> plan.clientPlan().encryptInput(inf, sk, RND), "value 0 is Infinity");
        refused(() -> plan.encryptInput(Tensor.zeros(Shape.of(16)), pk, RND), "takes 1x4x4");
        refused(() -> plan.evaluatePlain(new double[17]), "takes 16 values");
    }

    @Test
    void tensorsOfAnotherPlanAreRefused() {
        KeyGenerator kg = new KeyGenerator(other.parameters(), RND);
        SecretKey sk2 = kg.secretKey();
        EncryptedTensor foreign = other.clientPlan().encryptInput(new double[16], kg.publicKey(sk2), RND);
        refused(() -> plan.evaluate(foreign, evk), "another plan");
        EncryptedTensor mine = plan.clientPlan().encryptInput(new double[16], pk, RND);
        EncryptedTensor y = plan.evaluate(mine, evk);
        refused(() -> other.clientPlan().decryptOutput(y, sk2), "another plan");
    }

    @Test
    void ciphertextsOfOtherParametersAreRefused() {
        CkksParameters p = plan.parameters();
        CkksParameters wrong = CkksParameters.builder().ringDegree(p.ringDegree()).primeBits(50, 30, 30).specialPrimeBits(50)
                .scaleBits(30).build();
        KeyGenerator kg = new KeyGenerator(wrong, RND);
        SecretKey s2 = kg.secretKey();
        Encryptor e = new Encryptor(s2, RND);
        Encoder enc = new Encoder(wrong);
        List<Ciphertext> cts = new ArrayList<>();
        for (int i = 0; i < plan.inputRepresentation().ciphertexts(); i++) {
            cts.add(e.encrypt(enc.encode(new double[1], wrong.maxLevel(), wrong.defaultScale())));
        }
        EncryptedTensor forged = new EncryptedTensor(plan.inputRepresentation(), cts, plan.fingerprint());
        refused(() -> plan.evaluate(forged, evk), "other parameters");
        refused(() -> plan.clientPlan().encryptInput(new double[16], kg.publicKey(s2), RND), "other parameters");
        EvaluationKeys foreignKeys = kg.evaluationKeys(s2, io.github.lola4j.ckks.KeyRequirements.relinearization());
        refused(() -> plan.evaluate(plan.clientPlan().encryptInput(new double[16], pk, RND), foreignKeys), "other parameters");
    }

    @Test
    void anEvaluatedTensorIsNotAnInput() {
        EncryptedTensor y = plan.evaluate(plan.clientPlan().encryptInput(new double[16], pk, RND), evk);
        refused(() -> plan.evaluate(y, evk), "expected");
    }
}
