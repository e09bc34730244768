package io.github.lola4j.ckks;

import io.github.lola4j.math.Sampler;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Encrypts plaintexts, with the public key (anyone) or with the secret key (its holder).
 *
 * <p>Public-key encryption works over Q and P and divides by P at the end (as SEAL and Lattigo
 * do), so the u e noise term shrinks by P and a fresh ciphertext carries little more than rounding
 * noise. Secret-key encryption stores the seed of its uniform half c_1, which halves its
 * serialized size.
 *
 * <p>Each encryption draws one 32-byte seed from the {@code SecureRandom} and expands all its
 * randomness (the uniform half or the ternary u, and the errors) from it with AES-256-CTR. A caller
 * that encrypts many plaintexts on several threads draws those seeds itself, in order, and passes
 * each to {@link #encryptWithSeed}: the ciphertexts then do not depend on the scheduling, and equal
 * those of {@link #encrypt} calls in the same order on the same {@code SecureRandom}. Thread-safe.
 */
public final class Encryptor {

    private final CkksParameters params;
    private final PublicKey pk;
    private final SecretKey sk;
    private final Sampler sampler;

    /**
     * A public-key encryptor.
     *
     * @param pk     the public key
     * @param random the source of randomness
     */
    public Encryptor(PublicKey pk, SecureRandom random) {
        this.pk = Objects.requireNonNull(pk, "pk");
        this.sk = null;
        this.params = pk.parameters();
        this.sampler = new Sampler(Objects.requireNonNull(random, "random"));
    }

    /**
     * A secret-key encryptor (the client's; produces seeded, compressible ciphertexts).
     *
     * @param sk     the secret key
     * @param random the source of randomness
     */
    public Encryptor(SecretKey sk, SecureRandom random) {
        this.sk = Objects.requireNonNull(sk, "sk");
        this.pk = null;
        this.params = sk.parameters();
        this.sampler = new Sampler(Objects.requireNonNull(random, "random"));
    }

    /**
     * Encrypts a plaintext at its level and scale.
     *
     * @param pt the plaintext (of this encryptor's parameter set)
     * @return the ciphertext
     */
    public Ciphertext encrypt(Plaintext pt) {
        checkPlaintext(pt);
        return encryptChecked(pt, sampler.newSeed());
    }

    /**
     * Encrypts a plaintext with randomness expanded from a seed instead of drawn from this
     * encryptor's {@code SecureRandom}: what {@link #encrypt} does with the next seed of its
     * {@code SecureRandom}. For encrypting on several threads with results independent of the
     * scheduling: draw one seed per plaintext from a {@code SecureRandom} on one thread, in a fixed
     * order, then encrypt anywhere.
     *
     * <p>The seed is the whole secret randomness of this ciphertext: it must be fresh from a
     * {@code SecureRandom} and used once. Reusing a seed for two plaintexts under one key reveals
     * their difference.
     *
     * @param pt   the plaintext (of this encryptor's parameter set)
     * @param seed 32 bytes fresh from a {@code SecureRandom} (not modified, not retained)
     * @return the ciphertext
     * @throws IllegalArgumentException if the plaintext belongs to another parameter set or the seed
     *                                  is not 32 bytes
     */
    public Ciphertext encryptWithSeed(Plaintext pt, byte[] seed) {
        checkPlaintext(pt);
        return encryptChecked(pt, seed);
    }

    private void checkPlaintext(Plaintext pt) {
        int level = pt.level();
        int n = params.ringDegree();
        if (pt.poly().ringDegree() != n || !pt.poly().ring().sameAs(params.ringQ().atLevel(level))) {
            throw new IllegalArgumentException("the plaintext belongs to another parameter set");
        }
    }

    private Ciphertext encryptChecked(Plaintext pt, byte[] taskSeed) {
        Sampler task = Sampler.expanding(taskSeed);
        int level = pt.level();
        int n = params.ringDegree();
        if (sk != null) {
            RnsRing q = params.ringQ().atLevel(level);
            byte[] seed = task.newSeed();
            RnsPoly c1 = KeyGenerator.uniform(q, seed, 0);
            RnsPoly c0 = RnsPoly.fromSigned(q, task.gaussian(n), true);
            RnsPoly as = new RnsPoly(q, true);
            c1.mul(sk.poly().prefixView(level + 1), as);
            c0.sub(as, c0);
            c0.add(pt.poly(), c0);
            Ciphertext ct = new Ciphertext(new RnsPoly[] {c0, c1}, pt.scale());
            ct.setSeed(seed);
            return ct;
        }
        KeySwitcher ks = params.keySwitcher();
        RnsRing qp = ks.ringQP(level);
        RnsPoly u = RnsPoly.fromSigned(qp, task.ternary(n), true);
        RnsPoly[] keyParts = {ks.restrictToLevel(pk.b(), level), ks.restrictToLevel(pk.a(), level)};
        RnsRing q = params.ringQ().atLevel(level);
        RnsPoly[] c = new RnsPoly[2];
        for (int k = 0; k < 2; k++) {
            // (u pk_k + e_k) / P: the noise joins in coefficient form inside ModDown, which saves the
            // forward transforms of e_k over Q and P.
            RnsPoly acc = new RnsPoly(qp, true);
            keyParts[k].mul(u, acc);
            c[k] = new RnsPoly(q, true);
            ks.modDown(acc, task.gaussian(n), c[k], Parallelism.sequential());
        }
        c[0].add(pt.poly(), c[0]);
        return new Ciphertext(c, pt.scale());
    }
}
