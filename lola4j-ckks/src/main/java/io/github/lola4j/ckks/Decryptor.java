package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;
import java.util.Objects;

/**
 * Decrypts ciphertexts of degree 1 or 2 with the secret key.
 *
 * <p>A decrypted CKKS result carries the encryption noise in its low bits; handing raw decrypted
 * values back to an untrusted party can leak the key (Li and Micciancio 2021), so applications
 * that release results should round them or add noise first. Thread-safe.
 */
public final class Decryptor {

    private final SecretKey sk;

    /**
     * Creates a decryptor.
     *
     * @param sk the secret key
     */
    public Decryptor(SecretKey sk) {
        this.sk = Objects.requireNonNull(sk, "sk");
    }

    /**
     * Decrypts: c_0 + c_1 s (+ c_2 s^2).
     *
     * @param ct the ciphertext (not modified)
     * @return the plaintext at the ciphertext's level and scale
     */
    public Plaintext decrypt(Ciphertext ct) {
        int level = ct.level();
        CkksParameters params = sk.parameters();
        if (!ct.poly(0).ring().sameAs(params.ringQ().atLevel(level))) {
            throw new IllegalArgumentException("the ciphertext belongs to another parameter set");
        }
        RnsPoly s = sk.poly().prefixView(level + 1);
        RnsPoly m = ct.poly(0).copy();
        RnsPoly sPow = s;
        for (int i = 1; i <= ct.degree(); i++) {
            ct.poly(i).mulAdd(sPow, m);
            if (i < ct.degree()) {
                RnsPoly next = new RnsPoly(s.ring(), true);
                sPow.mul(s, next);
                sPow = next;
            }
        }
        return new Plaintext(m, ct.scale());
    }
}
