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
 * serialized size. Thread-safe.
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
        int level = pt.level();
        int n = params.ringDegree();
        if (pt.poly().ringDegree() != n || !pt.poly().ring().sameAs(params.ringQ().atLevel(level))) {
            throw new IllegalArgumentException("the plaintext belongs to another parameter set");
        }
        if (sk != null) {
            RnsRing q = params.ringQ().atLevel(level);
            byte[] seed = sampler.newSeed();
            RnsPoly c1 = KeyGenerator.uniform(q, seed, 0);
            RnsPoly c0 = RnsPoly.fromSigned(q, sampler.gaussian(n), true);
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
        RnsPoly u = RnsPoly.fromSigned(qp, sampler.ternary(n), true);
        RnsPoly[] keyParts = {ks.restrictToLevel(pk.b(), level), ks.restrictToLevel(pk.a(), level)};
        RnsRing q = params.ringQ().atLevel(level);
        RnsPoly[] c = new RnsPoly[2];
        for (int k = 0; k < 2; k++) {
            // (u pk_k + e_k) / P: the noise joins in coefficient form inside ModDown, which saves the
            // forward transforms of e_k over Q and P.
            RnsPoly acc = new RnsPoly(qp, true);
            keyParts[k].mul(u, acc);
            c[k] = new RnsPoly(q, true);
            ks.modDown(acc, sampler.gaussian(n), c[k], Parallelism.sequential());
        }
        c[0].add(pt.poly(), c[0]);
        return new Ciphertext(c, pt.scale());
    }
}
