package io.github.lola4j.ckks;

import io.github.lola4j.testkit.SeededRandom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.testkit.CkksContext;
import io.github.lola4j.testkit.RecordingProgress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Evaluation keys report one unit per key and are the same keys with or without a progress. */
class KeyGenerationProgressTest {

    private static final CkksParameters PARAMS = CkksContext.params("logN=10/L=2/P=1/scale=30/insecure");

    private static byte[] bytes(EvaluationKeys keys) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new CkksSerializer(PARAMS).write(out, keys);
        return out.toByteArray();
    }

    private static EvaluationKeys generate(KeyRequirements req, io.github.lola4j.format.Progress progress) throws Exception {
        KeyGenerator kg = new KeyGenerator(PARAMS, SeededRandom.of(29));
        SecretKey sk = kg.secretKey();
        return progress == null ? kg.evaluationKeys(sk, req) : kg.evaluationKeys(sk, req, progress);
    }

    @Test
    void oneUnitPerKeyAndTheSameKeys() throws Exception {
        KeyRequirements req = KeyRequirements.relinearization().withRotations(1, 2, -3).withConjugation();
        RecordingProgress p = new RecordingProgress();
        EvaluationKeys withProgress = generate(req, p);

        assertEquals(List.of(new RecordingProgress.Task("generating keys", 5, 5)), p.tasks());
        assertArrayEquals(bytes(generate(req, null)), bytes(withProgress), "reporting changes no key");
    }

    @Test
    void noKeysIsAnEmptyTask() throws Exception {
        RecordingProgress p = new RecordingProgress();
        generate(KeyRequirements.none(), p);
        assertEquals(List.of(new RecordingProgress.Task("generating keys", 0, 0)), p.tasks());
    }
}
