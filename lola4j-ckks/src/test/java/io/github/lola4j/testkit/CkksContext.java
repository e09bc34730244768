package io.github.lola4j.testkit;

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
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.ckks.SecurityLevel;
import java.security.SecureRandom;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A complete CKKS setup (keys, encoder, encryptor, evaluator) for one named parameter set, built
 * once per JVM and shared by the tests, as Lattigo's TestContext.
 */
public final class CkksContext {

    /** Rotation steps every context has keys for. */
    public static final int[] ROTATIONS = {1, 2, 3, 4, 8, 16, -1, 100, 1000};

    private static final Map<String, CkksContext> CACHE = new ConcurrentHashMap<>();

    public final String name;
    public final CkksParameters params;
    public final SecretKey sk;
    public final PublicKey pk;
    public final EvaluationKeys evk;
    public final Encoder encoder;
    public final Encryptor encryptor;
    public final Encryptor skEncryptor;
    public final Decryptor decryptor;
    public final Evaluator evaluator;

    private CkksContext(String name, CkksParameters params) {
        this.name = name;
        this.params = params;
        SecureRandom rnd = new SecureRandom();
        KeyGenerator kg = new KeyGenerator(params, rnd);
        sk = kg.secretKey();
        pk = kg.publicKey(sk);
        evk = kg.evaluationKeys(sk, KeyRequirements.relinearization().withRotations(ROTATIONS).withConjugation());
        encoder = new Encoder(params);
        encryptor = new Encryptor(pk, rnd);
        skEncryptor = new Encryptor(sk, rnd);
        decryptor = new Decryptor(sk);
        evaluator = new Evaluator(params, evk);
    }

    /** The named parameter sets the CKKS tests run on; the name shows in test display names. */
    public static CkksParameters params(String name) {
        switch (name) {
            case "logN=13/L=3/P=1/scale=36":
                return CkksParameters.builder().ringDegree(8192).primeBits(50, 36, 36, 36).specialPrimeBits(50)
                        .scaleBits(36).build();
            case "logN=14/L=6/P=2/scale=40":
                return CkksParameters.builder().ringDegree(16384).primeBits(60, 40, 40, 40, 40, 40, 40)
                        .specialPrimeBits(61, 61).scaleBits(40).build();
            case "logN=14/L=6/P=1/scale=40":
                return ParameterPresets.n16384Depth6OneSpecialPrime();
            case "logN=10/L=2/P=1/scale=30/insecure":
                return CkksParameters.builder().ringDegree(1024).primeBits(50, 30, 30).specialPrimeBits(50)
                        .scaleBits(30).securityLevel(SecurityLevel.NONE).build();
            default:
                throw new IllegalArgumentException("unknown test parameter set " + name);
        }
    }

    /** The shared context of a named set. */
    public static CkksContext get(String name) {
        return CACHE.computeIfAbsent(name, n -> new CkksContext(n, params(n)));
    }

    /** Random real values in [-1, 1] for every slot. */
    public double[] randomValues(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[params.slots()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble(-1, 1);
        }
        return v;
    }

    /** Encrypts values at a level and the default scale with the public key. */
    public Ciphertext encrypt(double[] values, int level) {
        return encryptor.encrypt(encoder.encode(values, level, params.defaultScale()));
    }

    /** Decrypts and decodes the real parts. */
    public double[] decrypt(Ciphertext ct) {
        return encoder.decode(decryptor.decrypt(ct));
    }
}
