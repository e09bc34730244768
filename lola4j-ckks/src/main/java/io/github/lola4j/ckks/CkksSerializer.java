package io.github.lola4j.ckks;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes and reads parameter sets, keys, plaintexts and ciphertexts in lola4j's versioned binary
 * format (version 1, little-endian; docs/ckks-serialization.md gives it byte by byte).
 *
 * <p>Every object is a 24-byte header (the magic bytes "L4J" 0xCC, the format version, one byte
 * naming the kind of object, the 64-bit {@link CkksParameters#fingerprint() fingerprint} of its
 * parameter set, the payload length), the payload and a CRC32C of header and payload. Residues
 * are bit-packed with bits(q_i) bits each. The uniform halves of public keys, of switching keys
 * and of fresh secret-key ciphertexts are stored as their 32-byte seed when the object still has
 * it ({@link Form#SEEDED}, the default), which halves their size.
 *
 * <p>A serializer is bound to one parameter set, like {@link Encoder} and {@link Evaluator}:
 * plaintexts and ciphertexts do not know their set, and reading checks every object against it.
 * The parameter set itself travels first ({@link #writeParameters}, {@link #readParameters}).
 *
 * <p><b>Reading validates everything before it constructs anything</b>, in this order: magic,
 * version, kind (another kind throws naming both), the fingerprint against this serializer's
 * parameter set, the fixed fields against what the set allows (level, degree, flags, scale,
 * Galois elements), the announced payload length against the one these fields imply, every residue
 * against its prime, and the checksum; only then is the object built. Allocation is bounded by
 * the parameter set: a polynomial's limbs are allocated one by one as their bytes arrive. A
 * corrupted, truncated or foreign stream therefore throws an {@link IOException} (an
 * {@link EOFException} when it ends early) with a message naming what is wrong, and never yields
 * a half-read or different object. After a failure the stream's position is unspecified; after
 * a success it is just past the object, so objects can be read one after another.
 *
 * <p>This class lives in package {@code ckks} and not in a separate {@code ckks.io} package on
 * purpose: keys are built through package-private constructors, so nothing outside this package
 * (including a deserializer) can make a key that was not validated as a whole.
 *
 * <p>Secret keys are written only by {@link #writeSecretKey}, named so that no generic call sends
 * one by accident. Immutable and thread-safe; the streams are not synchronized.
 */
public final class CkksSerializer {

    /** Whether uniform halves are stored as seeds. */
    public enum Form {
        /**
         * Store the 32-byte seed of every uniform half the object still has a seed for (public
         * and switching keys from {@link KeyGenerator}, ciphertexts fresh from secret-key
         * encryption); about half the size. Objects without a seed are written in full.
         */
        SEEDED,
        /** Store every polynomial in full. */
        FULL
    }

    private static final int MAX_PRIMES = 255;
    /**
     * The most residues of a QP polynomial (N times all primes) a parameter set read may have:
     * 2^23 (64 MiB per polynomial). The security table admits N &le; 2^16 and log2(QP) &le; 1762
     * bits, with primes of at least 18 bits at that N (q = 1 mod 2N), so every secure set stays
     * below it (97 primes at most); only {@code SecurityLevel.NONE} sets can exceed it.
     */
    static final long MAX_RESIDUES = 1L << 23;

    private final CkksParameters params;
    private final Form form;

    /**
     * A serializer for one parameter set that writes the {@link Form#SEEDED} form.
     *
     * @param params the parameter set every object written or read must belong to
     * @throws IllegalArgumentException if the set has more than 255 ciphertext or special primes
     *                                  (the format's limit)
     */
    public CkksSerializer(CkksParameters params) {
        this(params, Form.SEEDED);
    }

    /**
     * A serializer for one parameter set that writes the given form (reading accepts both).
     *
     * @param params the parameter set every object written or read must belong to
     * @param form   the form written
     * @throws IllegalArgumentException if the set has more than 255 ciphertext or special primes
     *                                  (the format's limit)
     */
    public CkksSerializer(CkksParameters params, Form form) {
        this.params = Objects.requireNonNull(params, "params");
        this.form = Objects.requireNonNull(form, "form");
        if (params.maxLevel() + 1 > MAX_PRIMES || params.specialPrimes().length > MAX_PRIMES) {
            throw new IllegalArgumentException("the serialization format holds at most " + MAX_PRIMES
                    + " ciphertext and " + MAX_PRIMES + " special primes, the set has " + (params.maxLevel() + 1)
                    + " and " + params.specialPrimes().length);
        }
    }

    /** The parameter set. */
    public CkksParameters parameters() {
        return params;
    }

    /** The form this serializer writes. */
    public Form form() {
        return form;
    }

    // ------------------------------------------------------------------ parameters

    /**
     * Writes this serializer's parameter set: ring degree, explicit primes and special primes,
     * dnum, scale, secret distribution and security level. The header carries the set's own
     * fingerprint, which {@link #readParameters} checks after rebuilding the set.
     *
     * @param out the stream (not closed)
     * @throws IOException if the stream fails
     */
    public void writeParameters(OutputStream out) throws IOException {
        long[] q = params.primes();
        long[] p = params.specialPrimes();
        WireWriter w = WireWriter.begin(out, Envelope.Kind.PARAMETERS, params.fingerprint(),
                WireFormat.parametersPayload(q.length, p.length));
        w.u32(params.ringDegree());
        w.u8(q.length);
        w.u8(p.length);
        w.u8(params.dnum());
        w.u8(WireFormat.securityCode(params.securityLevel()));
        w.f64(params.defaultScale());
        w.u32(params.secretDistribution().hammingWeight());
        for (long v : q) {
            w.u64(v);
        }
        for (long v : p) {
            w.u64(v);
        }
        w.finish();
    }

    /**
     * The bytes of {@link #writeParameters}.
     *
     * @return the serialized parameter set
     */
    public byte[] parametersToBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            writeParameters(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * Reads a parameter set and rebuilds it through {@link CkksParameters#builder()}, so a set that
     * is not valid or too weak for its stated security level is refused here as at construction.
     *
     * @param in the stream (not closed)
     * @return the parameter set, equal to the one written
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid parameter set (wrong magic, version or kind,
     *                      impossible counts or codes, bad checksum, refused by the builder, or a
     *                      fingerprint that does not match the set described) or fails
     */
    public static CkksParameters readParameters(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readParameters", Envelope.Kind.PARAMETERS, null);
        long n = r.u32("the ring degree");
        int k = r.u8("the prime count");
        int m = r.u8("the special prime count");
        int dnum = r.u8("dnum");
        int securityCode = r.u8("the security level");
        double scale = r.f64("the scale");
        long weight = r.u32("the Hamming weight");
        if (k == 0) {
            throw r.fail("the parameter set has no ciphertext prime");
        }
        if (m == 0) {
            throw r.fail("the parameter set has no special prime");
        }
        if (dnum == 0 || dnum > k) {
            throw r.fail("dnum is " + dnum + ", expected 1 .. " + k + " (the prime count)");
        }
        SecurityLevel security = WireFormat.securityLevel(securityCode);
        if (security == null) {
            throw r.fail("unknown security level code " + securityCode + " (0 = none, 1 = 128, 2 = 192, 3 = 256 bits)");
        }
        if (n > Integer.MAX_VALUE || weight > Integer.MAX_VALUE) {
            throw r.fail("ring degree " + n + " or Hamming weight " + weight + " is out of range");
        }
        // Building a set allocates its NTT tables (several arrays of N values per prime), so the
        // size is bounded before the builder runs: a few hundred bytes must not cost gigabytes.
        if (n * (k + m) > MAX_RESIDUES) {
            throw r.fail("ring degree " + n + " with " + k + " + " + m + " primes makes polynomials of " + n * (k + m)
                    + " residues, more than the " + MAX_RESIDUES + " any security level admits");
        }
        r.expectPayload(WireFormat.parametersPayload(k, m), "a set of " + k + " primes and " + m + " special primes");
        long[] q = new long[k];
        for (int i = 0; i < k; i++) {
            q[i] = r.u64("prime " + i);
        }
        long[] p = new long[m];
        for (int i = 0; i < m; i++) {
            p[i] = r.u64("special prime " + i);
        }
        r.finish();
        CkksParameters built;
        try {
            built = CkksParameters.builder().ringDegree((int) n).primes(q).specialPrimes(p).dnum(dnum).scale(scale)
                    .secretDistribution(new SecretDistribution((int) weight)).securityLevel(security).build();
        } catch (IllegalArgumentException e) {
            throw r.fail("the stream's parameter set is refused: " + e.getMessage(), e);
        }
        if (built.fingerprint() != r.fingerprint()) {
            throw r.fail(String.format("the header's fingerprint %016x does not match the parameter set it describes (%016x)",
                    r.fingerprint(), built.fingerprint()));
        }
        return built;
    }

    // ------------------------------------------------------------------ secret key

    /**
     * Writes a secret key: its N ternary coefficients, two bits each (N/4 bytes).
     *
     * <p><b>Secret keys must not leave the client.</b> Write one only to storage the key's owner
     * controls (never to a channel towards the server, which needs only the public and evaluation
     * keys); anyone who reads it can decrypt every ciphertext of the key.
     *
     * @param out the stream (not closed)
     * @param sk  the secret key (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the key belongs to another parameter set
     */
    public void writeSecretKey(OutputStream out, SecretKey sk) throws IOException {
        checkSet(sk.parameters(), "secret key");
        int n = params.ringDegree();
        RnsPoly s0 = sk.poly().dropToLimbs(1);
        s0.toCoeff();
        long q0 = params.prime(0);
        long[] c = s0.limb(0);
        byte[] packed = new byte[n / 4];
        for (int i = 0; i < n; i++) {
            int code;
            if (c[i] == 0) {
                code = 0;
            } else if (c[i] == 1) {
                code = 1;
            } else if (c[i] == q0 - 1) {
                code = 2;
            } else {
                throw new IllegalStateException("the secret key's coefficient " + i + " is not ternary");
            }
            packed[i >>> 2] |= (byte) (code << (2 * (i & 3)));
        }
        WireWriter w = WireWriter.begin(out, Envelope.Kind.SECRET_KEY, params.fingerprint(),
                WireFormat.secretKeyPayload(params));
        w.bytes(packed, 0, packed.length);
        w.finish();
    }

    /**
     * Reads a secret key written by {@link #writeSecretKey}.
     *
     * @param in the stream (not closed)
     * @return the secret key
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid secret key of this parameter set (another
     *                      kind or set, an invalid coefficient code, a Hamming weight that differs
     *                      from the set's sparse distribution, a bad checksum) or fails
     */
    public SecretKey readSecretKey(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readSecretKey", Envelope.Kind.SECRET_KEY, params);
        int n = params.ringDegree();
        r.expectPayload(WireFormat.secretKeyPayload(params), "a secret key of ring degree " + n);
        byte[] packed = r.bytes(n / 4, "the coefficients");
        long[] s = new long[n];
        int weight = 0;
        for (int i = 0; i < n; i++) {
            int code = (packed[i >>> 2] >>> (2 * (i & 3))) & 3;
            if (code == 3) {
                throw r.fail("coefficient " + i + " has the invalid code 3 (0, 1, 2 stand for 0, 1, -1)");
            }
            s[i] = code == 2 ? -1 : code;
            weight += code == 0 ? 0 : 1;
        }
        SecretDistribution d = params.secretDistribution();
        if (!d.isUniformTernary() && weight != d.hammingWeight()) {
            throw r.fail("the key has " + weight + " non-zero coefficients, the parameter set's secrets have "
                    + d.hammingWeight());
        }
        r.finish();
        return new SecretKey(params, RnsPoly.fromSigned(params.ringQP(), s, true));
    }

    // ------------------------------------------------------------------ public key

    /**
     * Writes a public key: b in full and a as its seed ({@link Form#SEEDED}, when the key has one)
     * or in full.
     *
     * @param out the stream (not closed)
     * @param pk  the public key (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the key belongs to another parameter set
     */
    public void write(OutputStream out, PublicKey pk) throws IOException {
        checkSet(pk.parameters(), "public key");
        boolean seeded = form == Form.SEEDED && pk.seed() != null;
        RnsRing qp = params.ringQP();
        WireWriter w = WireWriter.begin(out, Envelope.Kind.PUBLIC_KEY, params.fingerprint(),
                WireFormat.publicKeyPayload(params, seeded));
        w.u8(seeded ? WireFormat.FLAG_SEEDED : 0);
        if (seeded) {
            w.bytes(pk.seed(), 0, WireFormat.SEED_BYTES);
            w.poly(pk.b(), qp);
        } else {
            w.poly(pk.b(), qp);
            w.poly(pk.a(), qp);
        }
        w.finish();
    }

    /**
     * Reads a public key (either form).
     *
     * @param in the stream (not closed)
     * @return the public key
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid public key of this parameter set or fails
     */
    public PublicKey readPublicKey(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readPublicKey", Envelope.Kind.PUBLIC_KEY, params);
        boolean seeded = flags(r);
        r.expectPayload(WireFormat.publicKeyPayload(params, seeded), (seeded ? "a seeded" : "a full") + " public key");
        RnsRing qp = params.ringQP();
        byte[] seed = seeded ? r.seed("the seed of a") : null;
        RnsPoly b = r.poly(qp, "b");
        RnsPoly a = seeded ? null : r.poly(qp, "a");
        r.finish();
        if (seeded) {
            a = KeyGenerator.uniform(qp, seed, 0);
        }
        return new PublicKey(params, b, a, seed);
    }

    // ------------------------------------------------------------------ switching keys

    /**
     * Writes a relinearization key: its dnum digits, the a_j halves as one seed
     * ({@link Form#SEEDED}, when the key has one) or in full.
     *
     * @param out the stream (not closed)
     * @param key the key (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the key belongs to another parameter set
     */
    public void write(OutputStream out, RelinearizationKey key) throws IOException {
        checkSet(key.parameters(), "relinearization key");
        boolean seeded = seeded(key);
        WireWriter w = WireWriter.begin(out, Envelope.Kind.RELINEARIZATION_KEY, params.fingerprint(),
                WireFormat.relinearizationKeyPayload(params, seeded, key.level()));
        writeKeyFlags(w, key, seeded);
        writeSwitchingBody(w, key, seeded);
        w.finish();
    }

    /**
     * Reads a relinearization key (either form).
     *
     * @param in the stream (not closed)
     * @return the key
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid relinearization key of this parameter set
     *                      or fails
     */
    public RelinearizationKey readRelinearizationKey(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readRelinearizationKey", Envelope.Kind.RELINEARIZATION_KEY, params);
        KeyLayout k = keyLayout(r, r.u8("the flags"), "the relinearization key");
        r.expectPayload(WireFormat.relinearizationKeyPayload(params, k.seeded, k.level), k.describe("relinearization key"));
        SwitchingBody body = readSwitchingBody(r, k, "the relinearization key");
        r.finish();
        body.expand();
        return new RelinearizationKey(params, body.b, body.a, body.seed);
    }

    /**
     * Writes a Galois key: its Galois element and dnum digits, the a_j halves as one seed
     * ({@link Form#SEEDED}, when the key has one) or in full.
     *
     * @param out the stream (not closed)
     * @param key the key (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the key belongs to another parameter set
     */
    public void write(OutputStream out, GaloisKey key) throws IOException {
        checkSet(key.parameters(), "Galois key");
        boolean seeded = seeded(key);
        WireWriter w = WireWriter.begin(out, Envelope.Kind.GALOIS_KEY, params.fingerprint(),
                WireFormat.galoisKeyPayload(params, seeded, key.level()));
        w.u64(key.galoisElement());
        writeKeyFlags(w, key, seeded);
        writeSwitchingBody(w, key, seeded);
        w.finish();
    }

    /**
     * Reads a Galois key (either form).
     *
     * @param in the stream (not closed)
     * @return the key
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid Galois key of this parameter set (including
     *                      a Galois element that is not odd in [3, 2N)) or fails
     */
    public GaloisKey readGaloisKey(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readGaloisKey", Envelope.Kind.GALOIS_KEY, params);
        long g = galoisElement(r, r.u64("the Galois element"));
        KeyLayout k = keyLayout(r, r.u8("the flags"), "the Galois key " + g);
        r.expectPayload(WireFormat.galoisKeyPayload(params, k.seeded, k.level), k.describe("Galois key"));
        SwitchingBody body = readSwitchingBody(r, k, "the Galois key " + g);
        r.finish();
        body.expand();
        return new GaloisKey(params, g, body.b, body.a, body.seed);
    }

    /**
     * Writes an evaluation key set: a table of its keys (the relinearization key if present, the
     * Galois elements in increasing order, each key's form) followed by the keys' digits. Each key
     * is seeded independently ({@link Form#SEEDED}, when it has a seed).
     *
     * @param out  the stream (not closed)
     * @param keys the keys (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the set belongs to another parameter set
     */
    public void write(OutputStream out, EvaluationKeys keys) throws IOException {
        checkSet(keys.parameters(), "evaluation key set");
        RelinearizationKey rlk = keys.hasRelinearizationKey() ? keys.relinearizationKey() : null;
        List<GaloisKey> gks = new ArrayList<>(keys.galoisKeys().values()); // increasing elements
        long len = WireFormat.EVALUATION_KEYS_PREFIX_BYTES + (long) WireFormat.GALOIS_ENTRY_BYTES * gks.size();
        if (rlk != null) {
            len += WireFormat.keyFlagBytes(params, rlk.level()) - 1 + WireFormat.switchingKeyBody(params, seeded(rlk), rlk.level());
        }
        for (GaloisKey k : gks) {
            len += WireFormat.keyFlagBytes(params, k.level()) - 1 + WireFormat.switchingKeyBody(params, seeded(k), k.level());
        }
        WireWriter w = WireWriter.begin(out, Envelope.Kind.EVALUATION_KEYS, params.fingerprint(), len);
        if (rlk == null) {
            w.u8(WireFormat.RELIN_ABSENT);
        } else {
            writeKeyFlags(w, rlk, seeded(rlk));
        }
        w.u32(gks.size());
        for (GaloisKey k : gks) {
            w.u64(k.galoisElement());
            writeKeyFlags(w, k, seeded(k));
        }
        if (rlk != null) {
            writeSwitchingBody(w, rlk, seeded(rlk));
        }
        for (GaloisKey k : gks) {
            writeSwitchingBody(w, k, seeded(k));
        }
        w.finish();
    }

    /**
     * Reads an evaluation key set (any mix of forms).
     *
     * @param in the stream (not closed)
     * @return the keys
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid evaluation key set of this parameter set
     *                      (including Galois elements that are not odd in [3, 2N) or not strictly
     *                      increasing) or fails
     */
    public EvaluationKeys readEvaluationKeys(InputStream in) throws IOException {
        return readEvaluationKeys(in, Parallelism.sequential());
    }

    /**
     * Reads an evaluation key set, expanding the seeded keys' uniform halves on the given threads
     * (each key digit a task: the expansion, not the reading, is most of the time of a seeded
     * set). The keys are the same whatever the parallelism.
     *
     * @param in          the stream (not closed)
     * @param parallelism where the expansions run
     * @return the keys
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  as {@link #readEvaluationKeys(InputStream)}
     */
    public EvaluationKeys readEvaluationKeys(InputStream in, Parallelism parallelism) throws IOException {
        WireReader r = WireReader.begin(in, "readEvaluationKeys", Envelope.Kind.EVALUATION_KEYS, params);
        int relinFlags = r.u8("the relinearization key's flags");
        KeyLayout relinLayout = relinFlags == WireFormat.RELIN_ABSENT ? null
                : keyLayout(r, relinFlags, "the relinearization key");
        long count = r.u32("the Galois key count");
        int maxCount = params.ringDegree() - 1; // odd elements in [3, 2N)
        if (count > maxCount) {
            throw r.fail("the set announces " + count + " Galois keys, at most " + maxCount + " exist at N = "
                    + params.ringDegree());
        }
        if (count * WireFormat.GALOIS_ENTRY_BYTES > r.payloadLeft()) {
            throw r.fail("the set announces " + count + " Galois keys, but the " + r.payloadLeft()
                    + " payload bytes left cannot hold their table (at least " + WireFormat.GALOIS_ENTRY_BYTES + " bytes each)");
        }
        long[] elements = new long[(int) count];
        KeyLayout[] layouts = new KeyLayout[(int) count];
        long len = WireFormat.EVALUATION_KEYS_PREFIX_BYTES + (long) WireFormat.GALOIS_ENTRY_BYTES * count;
        if (relinLayout != null) {
            len += relinLayout.extraBytes() + WireFormat.switchingKeyBody(params, relinLayout.seeded, relinLayout.level);
        }
        for (int i = 0; i < count; i++) {
            elements[i] = galoisElement(r, r.u64("Galois element " + i));
            if (i > 0 && elements[i] <= elements[i - 1]) {
                throw r.fail("Galois element " + i + " (" + elements[i] + ") does not follow " + elements[i - 1]
                        + ": elements must be strictly increasing");
            }
            layouts[i] = keyLayout(r, r.u8("the flags of Galois key " + elements[i]), "the Galois key " + elements[i]);
            len += layouts[i].extraBytes() + WireFormat.switchingKeyBody(params, layouts[i].seeded, layouts[i].level);
        }
        r.expectPayload(len, "an evaluation key set with " + (relinLayout != null ? "a" : "no") + " relinearization key and "
                + count + " Galois keys");
        SwitchingBody relin = relinLayout != null ? readSwitchingBody(r, relinLayout, "the relinearization key") : null;
        SwitchingBody[] galois = new SwitchingBody[(int) count];
        for (int i = 0; i < count; i++) {
            galois[i] = readSwitchingBody(r, layouts[i], "the Galois key " + elements[i]);
        }
        r.finish();
        List<SwitchingBody> bodies = new ArrayList<>(galois.length + 1);
        if (relin != null) {
            bodies.add(relin);
        }
        bodies.addAll(Arrays.asList(galois));
        List<int[]> digits = new ArrayList<>();
        for (int k = 0; k < bodies.size(); k++) {
            for (int j = 0; bodies.get(k).seed != null && j < bodies.get(k).a.length; j++) {
                digits.add(new int[] {k, j});
            }
        }
        parallelism.forEach(digits.size(), t -> bodies.get(digits.get(t)[0]).expand(digits.get(t)[1]));
        RelinearizationKey rlk = null;
        if (relin != null) {
            rlk = new RelinearizationKey(params, relin.b, relin.a, relin.seed);
        }
        List<GaloisKey> gks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            gks.add(new GaloisKey(params, elements[i], galois[i].b, galois[i].a, galois[i].seed));
        }
        return new EvaluationKeys(params, rlk, gks);
    }

    // ------------------------------------------------------------------ plaintexts and ciphertexts

    /**
     * Writes a plaintext: level, scale, and its polynomial over q_0 .. q_level (NTT form).
     *
     * @param out the stream (not closed)
     * @param pt  the plaintext (of this serializer's parameter set)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the plaintext is not over this parameter set's primes
     */
    public void write(OutputStream out, Plaintext pt) throws IOException {
        RnsRing ring = ringAt(pt.poly().ring(), pt.level(), "plaintext");
        WireWriter w = WireWriter.begin(out, Envelope.Kind.PLAINTEXT, params.fingerprint(),
                WireFormat.plaintextPayload(params, pt.level()));
        w.u8(pt.level());
        w.f64(pt.scale());
        w.poly(pt.poly(), ring);
        w.finish();
    }

    /**
     * Reads a plaintext.
     *
     * @param in the stream (not closed)
     * @return the plaintext
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid plaintext of this parameter set (level above
     *                      the set's, scale not positive and finite, a residue not below its prime,
     *                      bad checksum) or fails
     */
    public Plaintext readPlaintext(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readPlaintext", Envelope.Kind.PLAINTEXT, params);
        int level = level(r);
        double scale = scale(r);
        r.expectPayload(WireFormat.plaintextPayload(params, level), "a plaintext at level " + level);
        RnsPoly p = r.poly(params.ringQ().atLevel(level), "the plaintext");
        r.finish();
        return new Plaintext(p, scale);
    }

    /**
     * Writes a ciphertext: level, degree, scale and its polynomials over q_0 .. q_level (NTT form).
     * In the {@link Form#SEEDED} form, a ciphertext fresh from secret-key encryption is written as
     * c_0 and the seed of c_1; the seed is used only after checking that it still expands to c_1
     * (the polynomials are reachable through {@link Ciphertext#poly(int)}).
     *
     * @param out the stream (not closed)
     * @param ct  the ciphertext (of this serializer's parameter set; not modified)
     * @throws IOException              if the stream fails
     * @throws IllegalArgumentException if the ciphertext is not over this parameter set's primes
     */
    public void write(OutputStream out, Ciphertext ct) throws IOException {
        int level = ct.level();
        RnsRing ring = ringAt(ct.poly(0).ring(), level, "ciphertext");
        byte[] seed = ct.seed();
        boolean seeded = form == Form.SEEDED && seed != null && ct.degree() == 1
                && KeyGenerator.uniform(ring, seed, 0).equals(ct.poly(1));
        WireWriter w = WireWriter.begin(out, Envelope.Kind.CIPHERTEXT, params.fingerprint(),
                WireFormat.ciphertextPayload(params, level, ct.degree(), seeded));
        w.u8(level);
        w.u8(ct.degree());
        w.u8(seeded ? WireFormat.FLAG_SEEDED : 0);
        w.f64(ct.scale());
        if (seeded) {
            w.bytes(seed, 0, WireFormat.SEED_BYTES);
            w.poly(ct.poly(0), ring);
        } else {
            for (int i = 0; i <= ct.degree(); i++) {
                w.poly(ct.poly(i), ring);
            }
        }
        w.finish();
    }

    /**
     * Reads a ciphertext (either form). A seeded ciphertext keeps its seed, so writing it again
     * gives the same bytes.
     *
     * @param in the stream (not closed)
     * @return the ciphertext
     * @throws EOFException if the stream ends before the object does
     * @throws IOException  if the stream is not a valid ciphertext of this parameter set (level above
     *                      the set's, degree not 1 or 2, a seeded degree-2 ciphertext, scale not
     *                      positive and finite, a residue not below its prime, bad checksum) or fails
     */
    public Ciphertext readCiphertext(InputStream in) throws IOException {
        WireReader r = WireReader.begin(in, "readCiphertext", Envelope.Kind.CIPHERTEXT, params);
        int level = level(r);
        int degree = r.u8("the degree");
        if (degree != 1 && degree != 2) {
            throw r.fail("degree " + degree + ", expected 1 or 2");
        }
        boolean seeded = flags(r);
        if (seeded && degree != 1) {
            throw r.fail("a seeded ciphertext must have degree 1, got " + degree);
        }
        double scale = scale(r);
        r.expectPayload(WireFormat.ciphertextPayload(params, level, degree, seeded),
                (seeded ? "a seeded" : "a full") + " ciphertext of degree " + degree + " at level " + level);
        RnsRing ring = params.ringQ().atLevel(level);
        byte[] seed = seeded ? r.seed("the seed of c_1") : null;
        RnsPoly[] polys = new RnsPoly[degree + 1];
        for (int i = 0; i <= degree; i++) {
            if (!(seeded && i == 1)) {
                polys[i] = r.poly(ring, "c_" + i);
            }
        }
        r.finish();
        if (seeded) {
            polys[1] = KeyGenerator.uniform(ring, seed, 0);
        }
        Ciphertext ct = new Ciphertext(polys, scale);
        if (seeded) {
            ct.setSeed(seed);
        }
        return ct;
    }

    // ------------------------------------------------------------------ byte-array conveniences

    /**
     * The bytes of {@link #write(OutputStream, PublicKey)}.
     *
     * @param pk the public key
     * @return the serialized key
     */
    public byte[] toBytes(PublicKey pk) {
        return bytes(out -> write(out, pk));
    }

    /**
     * The bytes of {@link #write(OutputStream, RelinearizationKey)}.
     *
     * @param key the key
     * @return the serialized key
     */
    public byte[] toBytes(RelinearizationKey key) {
        return bytes(out -> write(out, key));
    }

    /**
     * The bytes of {@link #write(OutputStream, GaloisKey)}.
     *
     * @param key the key
     * @return the serialized key
     */
    public byte[] toBytes(GaloisKey key) {
        return bytes(out -> write(out, key));
    }

    /**
     * The bytes of {@link #write(OutputStream, EvaluationKeys)}.
     *
     * @param keys the keys
     * @return the serialized keys
     */
    public byte[] toBytes(EvaluationKeys keys) {
        return bytes(out -> write(out, keys));
    }

    /**
     * The bytes of {@link #write(OutputStream, Plaintext)}.
     *
     * @param pt the plaintext
     * @return the serialized plaintext
     */
    public byte[] toBytes(Plaintext pt) {
        return bytes(out -> write(out, pt));
    }

    /**
     * The bytes of {@link #write(OutputStream, Ciphertext)}.
     *
     * @param ct the ciphertext
     * @return the serialized ciphertext
     */
    public byte[] toBytes(Ciphertext ct) {
        return bytes(out -> write(out, ct));
    }

    // ------------------------------------------------------------------ helpers

    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The serialized size of a degree-1 ciphertext at a level, before any exists.
     *
     * @param params the parameter set
     * @param level  the level, in [0, maxLevel]
     * @param seeded whether c_1 is stored as its seed (fresh secret-key encryptions only)
     * @return the bytes, header and checksum included
     */
    public static long ciphertextSize(CkksParameters params, int level, boolean seeded) {
        if (level < 0 || level > params.maxLevel()) {
            throw new IllegalArgumentException("level " + level + " is outside [0, " + params.maxLevel() + "]");
        }
        return WireFormat.HEADER_BYTES + WireFormat.ciphertextPayload(params, level, 1, seeded) + WireFormat.TRAILER_BYTES;
    }

    /**
     * The serialized size of the evaluation keys a set of requirements asks for, before any exists:
     * what {@link #write(OutputStream, EvaluationKeys)} writes for the keys
     * {@link KeyGenerator#evaluationKeys} makes.
     *
     * @param params       the parameter set
     * @param requirements the keys
     * @param form         {@link Form#SEEDED} (uniform halves as seeds) or {@link Form#FULL}
     * @return the bytes, header and checksum included
     */
    public static long evaluationKeysSize(CkksParameters params, KeyRequirements requirements, Form form) {
        boolean seeded = form == Form.SEEDED;
        java.util.Map<Long, Integer> galois = requirements.galoisLevels(params);
        long len = WireFormat.EVALUATION_KEYS_PREFIX_BYTES + (long) WireFormat.GALOIS_ENTRY_BYTES * galois.size();
        if (requirements.needsRelinearization()) {
            int level = requirements.relinearizationLevel(params);
            len += WireFormat.keyFlagBytes(params, level) - 1 + WireFormat.switchingKeyBody(params, seeded, level);
        }
        for (int level : galois.values()) {
            len += WireFormat.keyFlagBytes(params, level) - 1 + WireFormat.switchingKeyBody(params, seeded, level);
        }
        return WireFormat.HEADER_BYTES + len + WireFormat.TRAILER_BYTES;
    }

    private static byte[] bytes(Body body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            body.writeTo(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return b.toByteArray();
    }

    private void checkSet(CkksParameters of, String what) {
        if (!of.equals(params)) {
            throw new IllegalArgumentException(String.format("the %s belongs to parameter set %016x, this serializer's is %016x",
                    what, of.fingerprint(), params.fingerprint()));
        }
    }

    private RnsRing ringAt(RnsRing actual, int level, String what) {
        if (level > params.maxLevel() || !actual.sameAs(params.ringQ().atLevel(level))) {
            throw new IllegalArgumentException("the " + what + " is over " + actual + ", not over the primes of this"
                    + " serializer's parameter set " + String.format("%016x", params.fingerprint()));
        }
        return params.ringQ().atLevel(level);
    }

    private boolean seeded(SwitchingKey key) {
        return form == Form.SEEDED && key.seed() != null;
    }

    /** A switching key's flags byte, then its level byte when it was made for fewer levels than all. */
    private void writeKeyFlags(WireWriter w, SwitchingKey key, boolean seeded) throws IOException {
        boolean leveled = key.level() < params.maxLevel();
        w.u8((seeded ? WireFormat.FLAG_SEEDED : 0) | (leveled ? WireFormat.FLAG_LEVELED : 0));
        if (leveled) {
            w.u8(key.level());
        }
    }

    private void writeSwitchingBody(WireWriter w, SwitchingKey key, boolean seeded) throws IOException {
        RnsRing qp = params.keySwitcher().ringQP(key.level());
        if (seeded) {
            w.bytes(key.seed(), 0, WireFormat.SEED_BYTES);
        }
        for (int j = 0; j < key.digits(); j++) {
            w.poly(key.b(j), qp);
        }
        if (!seeded) {
            for (int j = 0; j < key.digits(); j++) {
                w.poly(key.a(j), qp);
            }
        }
    }

    /** How a switching key is stored: seeded or full, and the level it was made for. */
    private record KeyLayout(boolean seeded, int level, boolean leveled) {

        /** The bytes beyond the one flags byte: the level byte of a leveled key. */
        int extraBytes() {
            return leveled ? 1 : 0;
        }

        String describe(String kind) {
            return (seeded ? "a seeded " : "a full ") + kind + (leveled ? " for levels up to " + level : "");
        }
    }

    /**
     * Reads the level byte a key's flags announce and checks both: only the seeded and leveled bits,
     * and a level below the top one (a key for every level is written without the bit, so there is
     * one encoding of each key).
     */
    private KeyLayout keyLayout(WireReader r, int flags, String what) throws IOException {
        if ((flags & ~(WireFormat.FLAG_SEEDED | WireFormat.FLAG_LEVELED)) != 0) {
            throw r.fail(String.format("the flags of %s are 0x%02x: only bit 0 (seeded) and bit 1 (leveled) are defined%s",
                    what, flags, what.startsWith("the relinearization") ? ", or 0xff for an absent key" : ""));
        }
        boolean seeded = (flags & WireFormat.FLAG_SEEDED) != 0;
        if ((flags & WireFormat.FLAG_LEVELED) == 0) {
            return new KeyLayout(seeded, params.maxLevel(), false);
        }
        int level = r.u8("the level of " + what);
        if (level >= params.maxLevel()) {
            throw r.fail("the level of " + what + " is " + level + ": a leveled key's level must be below the top level "
                    + params.maxLevel());
        }
        return new KeyLayout(seeded, level, true);
    }

    /** The digits of a switching key read into temporaries. */
    private final class SwitchingBody {
        final byte[] seed;
        final RnsPoly[] b;
        final RnsPoly[] a;
        final int level;

        SwitchingBody(byte[] seed, RnsPoly[] b, RnsPoly[] a, int level) {
            this.seed = seed;
            this.b = b;
            this.a = a;
            this.level = level;
        }

        /** Expands the a_j of a seeded key, after the checksum passed (nothing for a full key). */
        void expand() {
            for (int j = 0; seed != null && j < a.length; j++) {
                expand(j);
            }
        }

        /** Expands a_j of a seeded key (digit j from stream j). */
        void expand(int j) {
            a[j] = KeyGenerator.uniform(params.keySwitcher().ringQP(level), seed, j);
        }
    }

    private SwitchingBody readSwitchingBody(WireReader r, KeyLayout layout, String what) throws IOException {
        RnsRing qp = params.keySwitcher().ringQP(layout.level);
        int d = params.keySwitcher().digitsAtLevel(layout.level);
        byte[] seed = layout.seeded ? r.seed("the seed of " + what) : null;
        RnsPoly[] b = new RnsPoly[d];
        RnsPoly[] a = new RnsPoly[d];
        for (int j = 0; j < d; j++) {
            b[j] = r.poly(qp, "b_" + j + " of " + what);
        }
        if (!layout.seeded) {
            for (int j = 0; j < d; j++) {
                a[j] = r.poly(qp, "a_" + j + " of " + what);
            }
        }
        return new SwitchingBody(seed, b, a, layout.level);
    }

    private static boolean flags(WireReader r) throws IOException {
        int f = r.u8("the flags");
        if ((f & ~WireFormat.FLAG_SEEDED) != 0) {
            throw r.fail(String.format("the flags byte is 0x%02x: only bit 0 (seeded) is defined", f));
        }
        return f == WireFormat.FLAG_SEEDED;
    }

    private int level(WireReader r) throws IOException {
        int level = r.u8("the level");
        if (level > params.maxLevel()) {
            throw r.fail("level " + level + " is above the parameter set's maximum level " + params.maxLevel());
        }
        return level;
    }

    private static double scale(WireReader r) throws IOException {
        double scale = r.f64("the scale");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw r.fail("scale " + scale + " is not positive and finite");
        }
        return scale;
    }

    private long galoisElement(WireReader r, long g) throws IOException {
        long twoN = 2L * params.ringDegree();
        if ((g & 1) == 0 || g < 3 || g >= twoN) {
            throw r.fail("Galois element " + g + " is not odd in [3, " + twoN + ")");
        }
        return g;
    }
}
