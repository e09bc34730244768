package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.Encryptor;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import io.github.lola4j.format.EnvelopeWriter;
import io.github.lola4j.format.Progress;
import io.github.lola4j.math.SeedExpander;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The client's half of a {@link Plan}: everything needed to encrypt an input, to make the
 * evaluation keys and to decrypt the result, and nothing of the model (no weights, no kernels).
 * A server hands this out ({@link #write}); the client reads it back ({@link #read}) without ever
 * learning the network.
 *
 * <p>It holds the CKKS parameters, the input and output representations, the affine map that
 * undoes the output's scaling, the exact key requirements, the input shape and pixel scale, and
 * the plan's fingerprint, which tags every tensor so that a server refuses inputs made for another
 * plan. It also writes and reads encrypted tensors in the tensor format:
 *
 * <pre>
 *   an {@link Envelope} of kind encrypted tensor, version 4, the plan's fingerprint in its header,
 *     whose payload is the ciphertext count u32 and the image count u32 (36 bytes in all)
 *   then each ciphertext as a {@link CkksSerializer} object (an envelope of its own)
 *   then the stream digest: SHA-256 of the 36 header bytes and each ciphertext's CRC32C in order (32 bytes)
 * </pre>
 *
 * The image count (1 in latency mode, 1 to the batch size in batch mode) is what
 * {@link #decryptBatch(EncryptedTensor, SecretKey)} returns scores for. Tensors of version 3 (the
 * same without the image count: a 32-byte header) and of earlier releases (a 22-byte big-endian
 * header, {@code magic "L4JTENS1" | version u16 = 2 | plan fingerprint u64 | ciphertexts u32}) are
 * read too; in a batch plan they do not record their image count, and a batch tensor that does not
 * is written in version 3, so that the stream never claims a count it was not given.
 *
 * <p>Tensors are written and read as a stream (no buffering of the whole tensor). Each
 * ciphertext's CRC32C covers its bytes; the digest binds their order and count, so ciphertexts
 * swapped, duplicated or taken from another tensor of the same plan are refused before anything is
 * evaluated. (It is not a signature: whoever can change the stream can recompute it; TLS protects
 * the stream.) Immutable and thread-safe.
 */
public final class ClientPlan {

    /** The magic of the client plan's framing before the envelope, still read. */
    static final byte[] LEGACY_MAGIC = "L4JCPLN1".getBytes(StandardCharsets.US_ASCII);
    /** Version 3 (2026-12-07): each key names the highest level it is used at (keys are made that small). */
    static final int VERSION_LEVELED_KEYS = 3;
    /** Version 4 (2026-12-07): the client's part of a split model follows, or a 0 byte; version 3 is still read. */
    static final int VERSION = 4;
    /** The magic of the tensor header before the envelope (version 2), still read. */
    static final byte[] LEGACY_TENSOR_MAGIC = "L4JTENS1".getBytes(StandardCharsets.US_ASCII);
    static final int LEGACY_TENSOR_VERSION = 2;
    /** Version 3 (2026-12-07): the header is an envelope; still read, and written for a batch tensor of unknown image count. */
    static final int TENSOR_VERSION_NO_IMAGES = 3;
    /** Version 4 (2026-12-07): the header's payload holds the image count after the ciphertext count. */
    static final int TENSOR_VERSION = 4;
    private static final int MAX_BODY = 64 << 20;

    private final String modelName;
    private final CkksParameters params;
    private final Shape inputShape;
    private final InputNormalization normalization;
    private final int outputSize;
    private final Representation input;
    private final Representation output;
    private final double outAlpha;
    private final double outBeta;
    private final KeyRequirements keys;
    private final long fingerprint;
    private final int batch;
    private final Encoder encoder;
    private final CkksSerializer serializer;
    private final ClientPart clientPart;

    ClientPlan(String modelName, CkksParameters params, Shape inputShape, InputNormalization normalization, int outputSize,
            Representation input,
            Representation output, double outAlpha, double outBeta, KeyRequirements keys, long fingerprint, int batch,
            ClientPart clientPart) {
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.params = Objects.requireNonNull(params, "params");
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.normalization = normalization;
        this.outputSize = outputSize;
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.outAlpha = outAlpha;
        this.outBeta = outBeta;
        this.keys = Objects.requireNonNull(keys, "keys");
        this.fingerprint = fingerprint;
        this.batch = batch;
        this.clientPart = clientPart;
        int perImage = batch > 0 ? inputShape.size() * batch : inputShape.size();
        if (input.size() != perImage) {
            throw new IllegalArgumentException("client plan: the input representation lays out " + input.size()
                    + " values, the input shape " + inputShape + (batch > 0 ? " x " + batch + " images" : "") + " has " + perImage);
        }
        int outAll = batch > 0 ? outputSize * batch : outputSize;
        if (output.size() < outAll) {
            throw new IllegalArgumentException("client plan: the output representation lays out " + output.size()
                    + " values, fewer than the " + outAll + " outputs");
        }
        if (input.slots() != params.slots() || output.slots() != params.slots()) {
            throw new IllegalArgumentException("client plan: the representations have " + input.slots() + " and " + output.slots()
                    + " slots, the parameters " + params.slots());
        }
        if (!Double.isFinite(outAlpha) || !Double.isFinite(outBeta)) {
            throw new IllegalArgumentException("client plan: the pixel scale and the output map must be finite (pixel scale > 0)");
        }
        this.encoder = new Encoder(params);
        this.serializer = new CkksSerializer(params);
    }

    // ------------------------------------------------------------------ accessors

    /**
     * The plaintext part to run on the client's data before encrypting, when the plan is the
     * encrypted part of a split model: its output is this plan's input.
     */
    public java.util.Optional<ClientPart> clientPart() {
        return java.util.Optional.ofNullable(clientPart);
    }

    /** The model's name, as its file records it. */
    public String modelName() {
        return modelName;
    }

    /** The CKKS parameters. */
    public CkksParameters parameters() {
        return params;
    }

    /** The shape of one input, e.g. 1 x 28 x 28. */
    public Shape inputShape() {
        return inputShape;
    }

    /** The input preprocessing: how a pixel p in 0..255 becomes an input value (the model's). */
    public InputNormalization normalization() {
        return normalization;
    }

    /** The number of outputs (scores) per input. */
    public int outputSize() {
        return outputSize;
    }

    /** Exactly the evaluation keys the plan uses; make them with {@code KeyGenerator.evaluationKeys}. */
    public KeyRequirements keyRequirements() {
        return keys;
    }

    /** The representation the input is encrypted in. */
    public Representation inputRepresentation() {
        return input;
    }

    /** The representation of the encrypted result. */
    public Representation outputRepresentation() {
        return output;
    }

    /** The plan's fingerprint; every tensor of the plan carries it. */
    public long fingerprint() {
        return fingerprint;
    }

    /** Whether the plan evaluates a batch of inputs per evaluation (SIMD). */
    public boolean isBatch() {
        return batch > 0;
    }

    /** Inputs per evaluation (1 in latency mode). */
    public int batchSize() {
        return Math.max(1, batch);
    }

    /** The serialized size of an encrypted input: seeded (secret-key encryption) or full. */
    public long inputBytes(boolean seeded) {
        return TENSOR_HEADER + TENSOR_DIGEST + input.ciphertexts() * CkksSerializer.ciphertextSize(params, params.maxLevel(), seeded);
    }

    /**
     * An estimate of the client's memory, in bytes: its secret and public keys, the evaluation keys
     * it generates (in memory, before it serializes them), one encrypted input at the top level and
     * one encrypted output at level 0. The plan itself (layouts) is not counted.
     *
     * @return the bytes
     */
    public long memoryBytes() {
        long n = params.ringDegree();
        int qp = params.maxLevel() + 1 + params.specialPrimes().length;
        long secretAndPublic = 3L * 8 * n * qp; // s, and the public key's (b, a), over Q and P
        return secretAndPublic + evaluationKeyMemory(params, keys) + inputMemoryBytes() + outputMemoryBytes();
    }

    /** The memory an encrypted input takes once decoded: its ciphertexts at the top level, 8 bytes a residue. */
    public long inputMemoryBytes() {
        return input.ciphertexts() * 2L * 8 * params.ringDegree() * (params.maxLevel() + 1);
    }

    /** The memory an encrypted result takes once decoded: its ciphertexts at level 0, 8 bytes a residue. */
    public long outputMemoryBytes() {
        return output.ciphertexts() * 2L * 8 * params.ringDegree();
    }

    /**
     * The in-memory size of an evaluation key set: per key (each Galois element, and the
     * relinearization key) a pair of polynomials over q_0 .. q_l and P for each digit that meets
     * q_0 .. q_l, where l is the highest level the key is used at.
     *
     * @param params the parameters
     * @param keys   the key requirements
     * @return the bytes
     */
    static long evaluationKeyMemory(CkksParameters params, KeyRequirements keys) {
        long bytes = 0;
        for (int level : keys.galoisLevels(params).values()) {
            bytes += switchingKeyMemory(params, level);
        }
        if (keys.needsRelinearization()) {
            bytes += switchingKeyMemory(params, keys.relinearizationLevel(params));
        }
        return bytes;
    }

    private static long switchingKeyMemory(CkksParameters params, int level) {
        return 2L * params.digitsAtLevel(level) * 8L * params.ringDegree() * (level + 1 + params.specialPrimes().length);
    }

    /** The serialized size of the encrypted result (level 0, full form). */
    public long outputBytes() {
        return TENSOR_HEADER + TENSOR_DIGEST + output.ciphertexts() * CkksSerializer.ciphertextSize(params, 0, false);
    }

    private static final int TENSOR_HEADER = Envelope.HEADER_BYTES + 8 + Envelope.TRAILER_BYTES;
    private static final int TENSOR_HEADER_NO_IMAGES = Envelope.HEADER_BYTES + 4 + Envelope.TRAILER_BYTES;
    private static final int LEGACY_TENSOR_HEADER = 8 + 2 + 8 + 4;
    private static final int TENSOR_DIGEST = 32;

    // ------------------------------------------------------------------ encryption

    /**
     * Lays an input out in the input representation and encrypts it with the public key.
     *
     * @param values the network input ({@code inputShape().size()} finite values, preprocessed)
     * @param pk     the client's public key (of this plan's parameters)
     * @param random the randomness of the encryption
     * @return the encrypted input
     * @throws IllegalArgumentException on a wrong length, a non-finite value, a key of other
     *                                  parameters, or a batch plan (use {@link #encryptBatch})
     */
    public EncryptedTensor encryptInput(double[] values, PublicKey pk, SecureRandom random) {
        return encryptInput(values, pk, random, Progress.none());
    }

    /**
     * Lays an input out and encrypts it with the public key, reporting one unit per ciphertext (a
     * convolution representation has hundreds); the ciphertexts are those the call without a
     * progress draws from the same randomness.
     *
     * @param values   the network input
     * @param pk       the client's public key
     * @param random   the randomness of the encryption
     * @param progress where to report, as the task "encrypting"
     * @return the encrypted input
     * @throws IllegalArgumentException as {@link #encryptInput(double[], PublicKey, SecureRandom)}
     */
    public EncryptedTensor encryptInput(double[] values, PublicKey pk, SecureRandom random, Progress progress) {
        return encryptInput(values, pk, random, Parallelism.sequential(), progress);
    }

    /**
     * Lays an input out and encrypts it with the public key, encoding and encrypting the ciphertexts
     * as independent tasks of {@code parallelism} and reporting one unit per ciphertext.
     *
     * <p>The ciphertexts do not depend on the parallelism: one 32-byte seed per ciphertext is drawn
     * from {@code random} on the calling thread, in ciphertext order, and each task expands its own
     * (see {@link Encryptor#encryptWithSeed}). A seeded {@code random} gives byte-identical
     * ciphertexts on one thread or many, those of the calls without a parallelism.
     *
     * @param values      the network input
     * @param pk          the client's public key
     * @param random      the randomness of the encryption (read on the calling thread only)
     * @param parallelism where the ciphertexts are encrypted ({@link Parallelism#sequential()}: the
     *                    calling thread)
     * @param progress    where to report, as the task "encrypting" (advanced from the pool's
     *                    threads)
     * @return the encrypted input
     * @throws IllegalArgumentException as {@link #encryptInput(double[], PublicKey, SecureRandom)}
     */
    public EncryptedTensor encryptInput(double[] values, PublicKey pk, SecureRandom random, Parallelism parallelism,
            Progress progress) {
        requireLatency("encryptInput");
        checkInput(values, "encryptInput");
        requireKeyParams(pk.parameters(), "encryptInput: the public key");
        return encryptSlots(input.pack(values), new Encryptor(pk, random), random, parallelism, progress, 1);
    }

    /**
     * Lays an input out and encrypts it with the client's secret key (symmetric encryption): less
     * fresh noise than the public key's, and each ciphertext's uniform half serializes as a 32-byte
     * seed, halving the upload.
     *
     * @param values the network input
     * @param sk     the client's secret key (never sent anywhere)
     * @param random the randomness of the encryption
     * @return the encrypted input
     * @throws IllegalArgumentException as {@link #encryptInput(double[], PublicKey, SecureRandom)}
     */
    public EncryptedTensor encryptInput(double[] values, SecretKey sk, SecureRandom random) {
        return encryptInput(values, sk, random, Progress.none());
    }

    /**
     * Lays an input out and encrypts it with the secret key, reporting one unit per ciphertext.
     *
     * @param values   the network input
     * @param sk       the client's secret key
     * @param random   the randomness of the encryption
     * @param progress where to report, as the task "encrypting"
     * @return the encrypted input
     * @throws IllegalArgumentException as {@link #encryptInput(double[], PublicKey, SecureRandom)}
     */
    public EncryptedTensor encryptInput(double[] values, SecretKey sk, SecureRandom random, Progress progress) {
        return encryptInput(values, sk, random, Parallelism.sequential(), progress);
    }

    /**
     * Lays an input out and encrypts it with the secret key, the ciphertexts as independent tasks of
     * {@code parallelism}; byte-identical for every parallelism, as
     * {@link #encryptInput(double[], PublicKey, SecureRandom, Parallelism, Progress)} explains.
     *
     * @param values      the network input
     * @param sk          the client's secret key
     * @param random      the randomness of the encryption (read on the calling thread only)
     * @param parallelism where the ciphertexts are encrypted
     * @param progress    where to report, as the task "encrypting" (advanced from the pool's
     *                    threads)
     * @return the encrypted input
     * @throws IllegalArgumentException as {@link #encryptInput(double[], PublicKey, SecureRandom)}
     */
    public EncryptedTensor encryptInput(double[] values, SecretKey sk, SecureRandom random, Parallelism parallelism,
            Progress progress) {
        requireLatency("encryptInput");
        checkInput(values, "encryptInput");
        requireKeyParams(sk.parameters(), "encryptInput: the secret key");
        return encryptSlots(input.pack(values), new Encryptor(sk, random), random, parallelism, progress, 1);
    }

    /**
     * Encrypts a batch of inputs for a batch plan: input b in slot b of every feature's ciphertext.
     *
     * @param inputs at most {@link #batchSize()} inputs, each of the input shape's size
     * @param pk     the public key
     * @param random the randomness
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, PublicKey pk, SecureRandom random) {
        return encryptBatch(inputs, pk, random, Progress.none());
    }

    /**
     * Encrypts a batch of inputs with the public key, reporting one unit per ciphertext (one per
     * input feature).
     *
     * @param inputs   at most {@link #batchSize()} inputs
     * @param pk       the public key
     * @param random   the randomness
     * @param progress where to report, as the task "encrypting"
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, PublicKey pk, SecureRandom random, Progress progress) {
        return encryptBatch(inputs, pk, random, Parallelism.sequential(), progress);
    }

    /**
     * Encrypts a batch of inputs with the public key, the ciphertexts (one per input feature) as
     * independent tasks of {@code parallelism}; byte-identical for every parallelism, as
     * {@link #encryptInput(double[], PublicKey, SecureRandom, Parallelism, Progress)} explains.
     *
     * @param inputs      at most {@link #batchSize()} inputs
     * @param pk          the public key
     * @param random      the randomness (read on the calling thread only)
     * @param parallelism where the ciphertexts are encrypted
     * @param progress    where to report, as the task "encrypting" (advanced from the pool's
     *                    threads)
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, PublicKey pk, SecureRandom random, Parallelism parallelism,
            Progress progress) {
        requireKeyParams(pk.parameters(), "encryptBatch: the public key");
        return encryptSlots(input.pack(batchSlots(inputs)), new Encryptor(pk, random), random, parallelism, progress,
                inputs.size());
    }

    /**
     * Encrypts a batch with the secret key (less noise, seeded uniform halves).
     *
     * @param inputs at most {@link #batchSize()} inputs
     * @param sk     the secret key
     * @param random the randomness
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, SecretKey sk, SecureRandom random) {
        return encryptBatch(inputs, sk, random, Progress.none());
    }

    /**
     * Encrypts a batch with the secret key, reporting one unit per ciphertext.
     *
     * @param inputs   at most {@link #batchSize()} inputs
     * @param sk       the secret key
     * @param random   the randomness
     * @param progress where to report, as the task "encrypting"
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, SecretKey sk, SecureRandom random, Progress progress) {
        return encryptBatch(inputs, sk, random, Parallelism.sequential(), progress);
    }

    /**
     * Encrypts a batch with the secret key, the ciphertexts as independent tasks of
     * {@code parallelism}; byte-identical for every parallelism, as
     * {@link #encryptInput(double[], PublicKey, SecureRandom, Parallelism, Progress)} explains.
     *
     * @param inputs      at most {@link #batchSize()} inputs
     * @param sk          the secret key
     * @param random      the randomness (read on the calling thread only)
     * @param parallelism where the ciphertexts are encrypted
     * @param progress    where to report, as the task "encrypting" (advanced from the pool's
     *                    threads)
     * @return the encrypted batch, recording {@code inputs.size()} images
     * @throws IllegalArgumentException on a latency plan, too many or malformed inputs
     */
    public EncryptedTensor encryptBatch(List<double[]> inputs, SecretKey sk, SecureRandom random, Parallelism parallelism,
            Progress progress) {
        requireKeyParams(sk.parameters(), "encryptBatch: the secret key");
        return encryptSlots(input.pack(batchSlots(inputs)), new Encryptor(sk, random), random, parallelism, progress,
                inputs.size());
    }

    private void requireLatency(String op) {
        if (isBatch()) {
            throw new IllegalArgumentException(op + ": this is a batch plan; use encryptBatch");
        }
    }

    /** Input b's values at b * n: the layout {@code BatchLayout} packs, zeros after the last input. */
    private double[] batchSlots(List<double[]> inputs) {
        if (!isBatch()) {
            throw new IllegalArgumentException("encryptBatch: this plan evaluates one image; use encryptInput");
        }
        if (inputs.isEmpty() || inputs.size() > batchSize()) {
            throw new IllegalArgumentException("encryptBatch: expected 1 to " + batchSize() + " inputs, got " + inputs.size());
        }
        int n = inputShape.size();
        double[] all = new double[n * batchSize()];
        for (int b = 0; b < inputs.size(); b++) {
            checkInput(inputs.get(b), "encryptBatch: input " + b);
            System.arraycopy(inputs.get(b), 0, all, b * n, n);
        }
        return all;
    }

    private EncryptedTensor encryptSlots(double[][] slots, Encryptor enc, SecureRandom random, Parallelism parallelism,
            Progress progress, int images) {
        Objects.requireNonNull(parallelism, "parallelism");
        Objects.requireNonNull(progress, "progress");
        // One seed per ciphertext, drawn here in ciphertext order: the tasks never touch random, so
        // the ciphertexts are those of enc.encrypt in a loop, whatever the scheduling.
        byte[][] seeds = new byte[slots.length][SeedExpander.SEED_BYTES];
        for (byte[] seed : seeds) {
            random.nextBytes(seed);
        }
        Ciphertext[] cts = new Ciphertext[slots.length];
        progress.start("encrypting", slots.length);
        try {
            parallelism.forEach(slots.length, i -> {
                cts[i] = enc.encryptWithSeed(encoder.encode(slots[i], params.maxLevel(), params.defaultScale()), seeds[i]);
                progress.advance(1);
            });
        } finally {
            progress.done();
        }
        return new EncryptedTensor(input, List.of(cts), fingerprint, images);
    }

    void checkInput(double[] values, String op) {
        int n = inputShape.size();
        if (values.length != n) {
            throw new IllegalArgumentException(op + ": the network takes " + n + " values (" + inputShape + "), got "
                    + values.length);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(op + ": value " + i + " is " + values[i] + ", expected a finite number");
            }
        }
    }

    void requireKeyParams(CkksParameters of, String what) {
        if (!of.equals(params)) {
            throw new IllegalArgumentException(what + " belongs to other parameters than the plan's");
        }
    }

    // ------------------------------------------------------------------ decryption

    /**
     * Decrypts the scores, refusing a result that cannot be correct.
     *
     * <p>Every decrypted slot (the scores and the slots beside them) must lie within the range of
     * its ciphertext, |v| &le; Q_l / (2 &Delta;), which the compiler keeps at least
     * {@link CompileOptions#headroomBits()} bits above what the calibration inputs reach.
     * A result decrypted under another key than the one behind the server's evaluation keys, or
     * corrupted on the way, fails this with overwhelming probability, and so does an overflow.
     *
     * @param y  the encrypted result of the plan's evaluation
     * @param sk the client's secret key
     * @return the network's outputs
     * @throws IllegalArgumentException   when y belongs to another plan or the key to other parameters
     * @throws ResultOutOfRangeException  when a decrypted slot lies beyond the range
     */
    public double[] decryptOutput(EncryptedTensor y, SecretKey sk) {
        requireLatencyOutput();
        return decrypt(y, sk, true);
    }

    /**
     * Decrypts the scores without the range check of {@link #decryptOutput}: for research on raw
     * values only, since a result of other keys then decrypts to confident nonsense.
     *
     * @param y  the encrypted result
     * @param sk the secret key
     * @return the network's outputs, whatever they are
     * @throws IllegalArgumentException when y belongs to another plan or the key to other parameters
     */
    public double[] decryptOutputUnchecked(EncryptedTensor y, SecretKey sk) {
        requireLatencyOutput();
        return decrypt(y, sk, false);
    }

    private void requireLatencyOutput() {
        if (isBatch()) {
            throw new IllegalArgumentException("decryptOutput: this is a batch plan; use decryptBatch");
        }
    }

    /**
     * Decrypts the scores of every image a batch result holds, with the range check of
     * {@link #decryptOutput}. The count is the tensor's ({@link EncryptedTensor#images()}):
     * {@link #encryptBatch} records it, {@link Plan#evaluate} carries it to the result and the
     * tensor stream keeps it, so no count travels beside the tensor.
     *
     * @param y  the encrypted result
     * @param sk the secret key
     * @return one array of scores per image, in the order the images were encrypted
     * @throws IllegalArgumentException  on a latency plan, a tensor that does not record its image
     *                                   count (read from a tensor stream of version 3 or earlier:
     *                                   pass the count to {@link #decryptBatch(EncryptedTensor,
     *                                   SecretKey, int)}), or a tensor or key of another plan
     * @throws ResultOutOfRangeException when a decrypted slot lies beyond the range
     */
    public double[][] decryptBatch(EncryptedTensor y, SecretKey sk) {
        return decryptBatch(y, sk, recordedImages(y), true);
    }

    /**
     * Decrypts the scores of every image a batch result holds, without the range check (research
     * on raw values only).
     *
     * @param y  the encrypted result
     * @param sk the secret key
     * @return one array of scores per image, whatever they are
     * @throws IllegalArgumentException as {@link #decryptBatch(EncryptedTensor, SecretKey)}
     */
    public double[][] decryptBatchUnchecked(EncryptedTensor y, SecretKey sk) {
        return decryptBatch(y, sk, recordedImages(y), false);
    }

    /**
     * Decrypts the scores of the first images of a batch, with the range check of
     * {@link #decryptOutput}: for a tensor that does not record its image count (one read from a
     * tensor stream of version 3 or earlier), or to keep fewer images than it holds.
     *
     * @param y     the encrypted result
     * @param sk    the secret key
     * @param count how many images to decrypt, from the first: at most the batch size, and at most
     *              the tensor's {@link EncryptedTensor#images()} when it records them
     * @return count arrays of scores
     * @throws IllegalArgumentException  on a latency plan, a count outside [1, batchSize] or above
     *                                   the tensor's image count, or a tensor or key of another plan
     * @throws ResultOutOfRangeException when a decrypted slot lies beyond the range
     */
    public double[][] decryptBatch(EncryptedTensor y, SecretKey sk, int count) {
        return decryptBatch(y, sk, count, true);
    }

    /**
     * Decrypts the scores of the first images of a batch without the range check (research on raw
     * values only).
     *
     * @param y     the encrypted result
     * @param sk    the secret key
     * @param count how many images to decrypt, as {@link #decryptBatch(EncryptedTensor, SecretKey, int)}
     * @return count arrays of scores, whatever they are
     * @throws IllegalArgumentException as {@link #decryptBatch(EncryptedTensor, SecretKey, int)}
     */
    public double[][] decryptBatchUnchecked(EncryptedTensor y, SecretKey sk, int count) {
        return decryptBatch(y, sk, count, false);
    }

    /** The image count a batch tensor records; refuses a latency plan first (its message is the useful one). */
    private int recordedImages(EncryptedTensor y) {
        requireBatchOutput();
        return Objects.requireNonNull(y, "y").images().orElseThrow(() -> new IllegalArgumentException(
                "decryptBatch: the tensor does not record how many images it holds (it was read from a tensor stream of"
                        + " version 3 or earlier, or built without the count); pass the count: decryptBatch(y, sk, count)"));
    }

    private void requireBatchOutput() {
        if (!isBatch()) {
            throw new IllegalArgumentException("decryptBatch: this plan evaluates one image; use decryptOutput");
        }
    }

    private double[][] decryptBatch(EncryptedTensor y, SecretKey sk, int count, boolean checked) {
        requireBatchOutput();
        if (count < 1 || count > batchSize()) {
            throw new IllegalArgumentException("decryptBatch: count must be in [1, " + batchSize() + "], got " + count);
        }
        java.util.OptionalInt held = Objects.requireNonNull(y, "y").images();
        if (held.isPresent() && count > held.getAsInt()) {
            // the slots past the batch's images hold the scores of zero inputs: plausible and wrong
            throw new IllegalArgumentException("decryptBatch: count " + count + " is more than the " + held.getAsInt()
                    + " image" + (held.getAsInt() == 1 ? "" : "s") + " the tensor holds");
        }
        double[] all = decrypt(y, sk, checked);
        double[][] out = new double[count][outputSize];
        for (int b = 0; b < count; b++) {
            System.arraycopy(all, b * outputSize, out[b], 0, outputSize);
        }
        return out;
    }

    private double[] decrypt(EncryptedTensor y, SecretKey sk, boolean checked) {
        checkTensor(y, output, -1, "decryptOutput");
        requireKeyParams(sk.parameters(), "decryptOutput: the secret key");
        Decryptor d = new Decryptor(sk);
        double[][] slots = new double[y.ciphertexts().size()][];
        for (int c = 0; c < slots.length; c++) {
            slots[c] = encoder.decode(d.decrypt(y.ciphertexts().get(c)));
        }
        if (checked) {
            checkRange(y, slots);
        }
        double[] v = output.unpack(slots);
        for (int i = 0; i < v.length; i++) {
            v[i] = outAlpha * v[i] + outBeta;
        }
        return v;
    }

    /**
     * Refuses decrypted slots beyond Q_l / (2 scale): no correct value lies there (it would have
     * wrapped around the modulus). All slots are checked, not only the scores: a wrong key turns
     * every slot into noise of about Q_l sqrt(N) / scale, so a handful of score slots could pass by
     * chance (about 2 % each at N = 8192) but thousands of slots cannot.
     */
    private void checkRange(EncryptedTensor y, double[][] slots) {
        long out = 0;
        long checked = 0;
        double largest = 0;
        double boundOfLargest = Double.POSITIVE_INFINITY;
        for (int c = 0; c < slots.length; c++) {
            double bound = slotRange(y.ciphertexts().get(c));
            double[] s = slots[c];
            for (double v : s) {
                double a = Math.abs(v);
                // NaN (a decoding of garbage that overflowed the double range) is out of range too
                if (!(a <= bound)) {
                    out++;
                }
                if (!(a <= largest)) {
                    largest = a;
                    boundOfLargest = bound;
                }
            }
            checked += s.length;
        }
        if (out > 0) {
            throw new ResultOutOfRangeException(out, checked, largest, boundOfLargest);
        }
    }

    /** Q_l / (2 scale) of a ciphertext, in the log domain so that a product of many primes cannot overflow. */
    static double slotRange(Ciphertext c) {
        double log2 = -1 - Math.log(c.scale()) / Math.log(2);
        for (int l = 0; l <= c.level(); l++) {
            log2 += Math.log(c.poly(0).ring().modulus(l).value()) / Math.log(2);
        }
        return log2 > 1000 ? Double.POSITIVE_INFINITY : Math.pow(2, log2);
    }

    /**
     * Refuses a tensor that records more images than the plan evaluates at once (the public
     * constructor takes any count of at least 1).
     */
    private void checkImages(EncryptedTensor x, String op) {
        java.util.OptionalInt images = x.images();
        if (images.isPresent() && images.getAsInt() > batchSize()) {
            throw new IllegalArgumentException(op + ": the tensor holds " + images.getAsInt() + " images, "
                    + (isBatch() ? "more than the plan's batch size " + batchSize() : "a latency plan evaluates one"));
        }
    }

    /**
     * Checks that a tensor belongs to this plan, has the expected layout, degree 1, the parameters'
     * primes, at most the images the plan evaluates at once, and (for level &ge; 0) that level and
     * the default scale.
     */
    void checkTensor(EncryptedTensor x, Representation expected, int level, String op) {
        if (x.planFingerprint() != fingerprint) {
            throw new IllegalArgumentException(op + ": the tensor belongs to another plan (fingerprint "
                    + Long.toHexString(x.planFingerprint()) + ", this plan " + Long.toHexString(fingerprint) + ")");
        }
        if (!x.representation().equals(expected) || x.ciphertexts().size() != expected.ciphertexts()) {
            throw new IllegalArgumentException(op + ": expected " + expected.describe() + ", got " + x.representation().describe());
        }
        checkImages(x, op);
        for (int i = 0; i < x.ciphertexts().size(); i++) {
            Ciphertext c = x.ciphertexts().get(i);
            RnsPoly p = c.poly(0);
            if (p.ringDegree() != params.ringDegree() || p.limbs() > params.maxLevel() + 1) {
                throw new IllegalArgumentException(op + ": ciphertext " + i + " belongs to other parameters (ring degree "
                        + p.ringDegree() + ", " + p.limbs() + " primes)");
            }
            for (int l = 0; l < p.limbs(); l++) {
                if (p.ring().modulus(l).value() != params.prime(l)) {
                    throw new IllegalArgumentException(op + ": ciphertext " + i + " belongs to other parameters (prime " + l
                            + " differs)");
                }
            }
            if (c.degree() != 1) {
                throw new IllegalArgumentException(op + ": ciphertext " + i + " has degree " + c.degree() + ", expected 1");
            }
            if (level >= 0 && c.level() != level) {
                throw new IllegalArgumentException(op + ": ciphertext " + i + " is at level " + c.level() + ", expected " + level);
            }
            if (level >= 0 && Math.abs(c.scale() - params.defaultScale()) > params.defaultScale() * 0x1p-30) {
                throw new IllegalArgumentException(op + ": ciphertext " + i + " has scale 2^" + Math.log(c.scale()) / Math.log(2)
                        + ", expected the default 2^" + Math.log(params.defaultScale()) / Math.log(2));
            }
        }
    }

    // ------------------------------------------------------------------ tensor format

    /**
     * Writes an encrypted tensor of this plan in the tensor format, with its image count (version
     * 4). Fresh secret-key encryptions keep their seeds (half the bytes). A batch tensor that does
     * not record its image count (read from a stream of version 3 or earlier) is written in version
     * 3, which has no such field, so that the stream never claims a count it was not given; a
     * latency tensor always holds one image.
     *
     * @param out the stream (not closed)
     * @param x   the tensor (of this plan)
     * @throws IOException              when the stream fails
     * @throws IllegalArgumentException when the tensor belongs to another plan or holds more images
     *                                  than the plan's batch size
     */
    public void writeTensor(OutputStream out, EncryptedTensor x) throws IOException {
        writeTensor(out, x, Parallelism.sequential());
    }

    /**
     * {@link #writeTensor(OutputStream, EncryptedTensor)}, with the ciphertexts serialized on the
     * given threads (a seeded ciphertext's seed is expanded again and checked against its c_1
     * before it is written: most of the time of writing a secret-key encryption), then written in
     * order. The bytes are the same whatever the parallelism.
     *
     * @param out         the stream (not closed)
     * @param x           the tensor (of this plan)
     * @param parallelism where the ciphertexts are serialized
     * @throws IOException              when the stream fails
     * @throws IllegalArgumentException as {@link #writeTensor(OutputStream, EncryptedTensor)}
     */
    public void writeTensor(OutputStream out, EncryptedTensor x, Parallelism parallelism) throws IOException {
        if (x.planFingerprint() != fingerprint) {
            throw new IllegalArgumentException("writeTensor: the tensor belongs to another plan");
        }
        checkImages(x, "writeTensor");
        int images = isBatch() ? x.images().orElse(0) : 1;
        ByteArrayOutputStream header = new ByteArrayOutputStream(TENSOR_HEADER);
        EnvelopeWriter w = images > 0
                ? EnvelopeWriter.begin(header, Envelope.Kind.ENCRYPTED_TENSOR, TENSOR_VERSION, fingerprint, 8)
                : EnvelopeWriter.begin(header, Envelope.Kind.ENCRYPTED_TENSOR, TENSOR_VERSION_NO_IMAGES, fingerprint, 4);
        w.u32(x.ciphertexts().size());
        if (images > 0) {
            w.u32(images);
        }
        w.finish();
        StreamDigest digest = new StreamDigest(header.toByteArray());
        header.writeTo(out);
        List<Ciphertext> cts = x.ciphertexts();
        if (parallelism.isParallel() && cts.size() > 1) {
            byte[][] objects = new byte[cts.size()][];
            parallelism.forEach(cts.size(), i -> objects[i] = serializer.toBytes(cts.get(i)));
            for (byte[] o : objects) {
                out.write(o);
                digest.add(Arrays.copyOfRange(o, o.length - Envelope.TRAILER_BYTES, o.length));
            }
        } else {
            TailOut tap = new TailOut(out);
            for (Ciphertext c : cts) {
                serializer.write(tap, c);
                digest.add(tap.tail.lastFour());
            }
        }
        out.write(digest.finish());
        out.flush();
    }

    /**
     * Reads an encrypted input of this plan: the layout, fingerprint, image count, parameters, top
     * level and default scale are all checked before it is returned.
     *
     * @param in the stream (not closed; nothing past the tensor is read)
     * @return the tensor, in the input representation, with its image count (in a batch plan,
     *         unknown for a stream of version 3 or earlier)
     * @throws IOException when the stream is truncated or corrupted, belongs to another plan or
     *                     parameter set, records an image count outside [1, batchSize], or its
     *                     ciphertexts are not fresh inputs
     */
    public EncryptedTensor readInput(InputStream in) throws IOException {
        return readTensor(in, input, params.maxLevel(), "input", Parallelism.sequential());
    }

    /**
     * {@link #readInput(InputStream)}, with the ciphertexts decoded on the given threads: their
     * bytes are read in order, then each is checked, unpacked and (when seeded) expanded as a task,
     * which is most of the time of reading a tensor. The tensor is the same whatever the
     * parallelism, and so is the first error reported.
     *
     * @param in          the stream (not closed; nothing past the tensor is read)
     * @param parallelism where the ciphertexts are decoded
     * @return the tensor
     * @throws IOException as {@link #readInput(InputStream)}
     */
    public EncryptedTensor readInput(InputStream in, Parallelism parallelism) throws IOException {
        return readTensor(in, input, params.maxLevel(), "input", parallelism);
    }

    /**
     * Reads an encrypted result of this plan.
     *
     * @param in the stream (not closed)
     * @return the tensor, in the output representation
     * @throws IOException as {@link #readInput}
     */
    public EncryptedTensor readOutput(InputStream in) throws IOException {
        return readTensor(in, output, -1, "output", Parallelism.sequential());
    }

    /**
     * A tensor's header as read: its bytes (the stream digest starts with them), fingerprint,
     * ciphertext count, and image count (-1 for a version without it; any other value is as read,
     * unchecked: a u32).
     */
    private record TensorHeader(byte[] bytes, long fingerprint, long count, long images) {
    }

    /** Reads a tensor's header, in the envelope (version 4 or 3) or in the 22-byte big-endian form of earlier releases. */
    private static TensorHeader readTensorHeader(PushbackInputStream in, String what) throws IOException {
        if (Envelope.startsWithEnvelope(in)) {
            // The envelope's header says the version, and the version how long the payload is.
            byte[] header = new byte[Envelope.HEADER_BYTES];
            DataInputStream d = new DataInputStream(in);
            try {
                d.readFully(header);
                int version = (header[4] & 0xFF) | (header[5] & 0xFF) << 8;
                int length = version == TENSOR_VERSION ? TENSOR_HEADER
                        : version == TENSOR_VERSION_NO_IMAGES ? TENSOR_HEADER_NO_IMAGES : Envelope.HEADER_BYTES;
                header = Arrays.copyOf(header, length);
                d.readFully(header, Envelope.HEADER_BYTES, length - Envelope.HEADER_BYTES);
            } catch (EOFException e) {
                throw new EOFException("encrypted " + what + " truncated in its header");
            }
            EnvelopeReader r = EnvelopeReader.begin(new ByteArrayInputStream(header), "encrypted " + what, Envelope.Kind.ENCRYPTED_TENSOR);
            r.requireVersion(TENSOR_VERSION_NO_IMAGES, TENSOR_VERSION);
            boolean withImages = r.version() == TENSOR_VERSION;
            r.expectPayload(withImages ? 8 : 4, withImages ? "the ciphertext and image counts" : "the ciphertext count");
            long count = r.u32("the ciphertext count");
            long images = withImages ? r.u32("the image count") : -1;
            r.finish();
            return new TensorHeader(header, r.fingerprint(), count, images);
        }
        byte[] header = new byte[LEGACY_TENSOR_HEADER];
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(header));
        try {
            new DataInputStream(in).readFully(header);
            byte[] magic = new byte[LEGACY_TENSOR_MAGIC.length];
            d.readFully(magic);
            if (!java.util.Arrays.equals(magic, LEGACY_TENSOR_MAGIC)) {
                throw new IOException("not a lola4j encrypted tensor (bad magic)");
            }
            int version = d.readUnsignedShort();
            if (version != LEGACY_TENSOR_VERSION) {
                throw new IOException("encrypted tensor version " + version + " is not supported (this library reads versions "
                        + LEGACY_TENSOR_VERSION + ", " + TENSOR_VERSION_NO_IMAGES + " and " + TENSOR_VERSION
                        + (version == 1 ? "; version 1 lacks the stream digest: encrypt the input again" : "") + ")");
            }
            long fp = d.readLong();
            return new TensorHeader(header, fp, d.readInt() & 0xFFFFFFFFL, -1);
        } catch (EOFException e) {
            throw new EOFException("encrypted " + what + " truncated in its header");
        }
    }

    private EncryptedTensor readTensor(InputStream stream, Representation expected, int level, String what, Parallelism parallelism)
            throws IOException {
        PushbackInputStream in = new PushbackInputStream(stream, 4);
        TensorHeader h = readTensorHeader(in, what);
        byte[] header = h.bytes();
        long fp = h.fingerprint();
        long count = h.count();
        if (fp != fingerprint) {
            throw new IOException(String.format("the encrypted %s belongs to another plan (fingerprint %016x, this plan %016x)",
                    what, fp, fingerprint));
        }
        if (count != expected.ciphertexts()) {
            throw new IOException("the encrypted " + what + " has " + count
                    + " ciphertexts, the plan's " + expected.describe() + " has " + expected.ciphertexts());
        }
        // Checked before any ciphertext is read: decryptBatch allocates and returns this many score arrays.
        long images = h.images();
        if (images != -1 && (images < 1 || images > batchSize())) {
            throw new IOException("the encrypted " + what + " says it holds " + images + " images"
                    + (images > Integer.MAX_VALUE ? " (" + (int) images + " as a signed 32-bit integer)" : "") + ", expected 1 to "
                    + batchSize() + (isBatch() ? " (the plan's batch size)" : " (a latency plan evaluates one image)"));
        }
        List<Ciphertext> cts;
        StreamDigest digest = new StreamDigest(header);
        if (parallelism.isParallel() && expected.ciphertexts() > 1) {
            cts = readCiphertexts(in, expected.ciphertexts(), what, digest, parallelism);
        } else {
            cts = new ArrayList<>(expected.ciphertexts());
            TailIn tap = new TailIn(in);
            for (int i = 0; i < expected.ciphertexts(); i++) {
                try {
                    cts.add(serializer.readCiphertext(tap));
                } catch (IOException e) {
                    throw named(e, i, what);
                }
                digest.add(tap.tail.lastFour());
            }
        }
        byte[] stored = new byte[TENSOR_DIGEST];
        try {
            new DataInputStream(in).readFully(stored);
        } catch (EOFException e) {
            throw new EOFException("encrypted " + what + " truncated in its stream digest");
        }
        if (!java.security.MessageDigest.isEqual(stored, digest.finish())) {
            throw new IOException("encrypted " + what + ": the stream digest does not match its ciphertexts (ciphertexts"
                    + " reordered, duplicated or mixed from another tensor, or a damaged digest)");
        }
        try {
            // a stream without the count holds one image in a latency plan, an unknown number in a batch plan
            EncryptedTensor x = images != -1 ? new EncryptedTensor(expected, cts, fingerprint, (int) images)
                    : isBatch() ? new EncryptedTensor(expected, cts, fingerprint) : new EncryptedTensor(expected, cts, fingerprint, 1);
            checkTensor(x, expected, level, "encrypted " + what);
            return x;
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The ciphertexts of a tensor, their bytes read in order and decoded in parallel. Each object's
     * length comes from its envelope header and is checked against the largest ciphertext of the
     * parameter set before anything is allocated; the serializer then checks everything else, as
     * it does reading from the stream. The first failing ciphertext in order is the one reported.
     */
    private List<Ciphertext> readCiphertexts(InputStream in, int count, String what, StreamDigest digest, Parallelism parallelism)
            throws IOException {
        long largest = CkksSerializer.ciphertextSize(params, params.maxLevel(), false);
        byte[][] objects = new byte[count][];
        DataInputStream d = new DataInputStream(in);
        for (int i = 0; i < count; i++) {
            byte[] head = new byte[Envelope.HEADER_BYTES];
            int got = d.readNBytes(head, 0, head.length);
            if (got < head.length) {
                throw refusal(new ByteArrayInputStream(head, 0, got), i, what,
                        new EOFException("encrypted " + what + ", ciphertext " + i + ": truncated in its header"));
            }
            long payload = java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(16);
            long size = Envelope.HEADER_BYTES + payload + Envelope.TRAILER_BYTES;
            if (payload < 0 || size > largest) {
                // the header's magic, kind or length is wrong: the serializer names which
                throw refusal(new java.io.SequenceInputStream(new ByteArrayInputStream(head), in), i, what,
                        new IOException("encrypted " + what + ", ciphertext " + i + ": " + payload + " payload bytes, more than"
                                + " a ciphertext of this parameter set holds"));
            }
            byte[] object = Arrays.copyOf(head, (int) size);
            got = d.readNBytes(object, head.length, object.length - head.length);
            if (got < object.length - head.length) {
                throw refusal(new ByteArrayInputStream(object, 0, head.length + got), i, what,
                        new EOFException("encrypted " + what + ", ciphertext " + i + ": truncated (" + size + " bytes announced)"));
            }
            objects[i] = object;
            digest.add(Arrays.copyOfRange(object, object.length - Envelope.TRAILER_BYTES, object.length));
        }
        Ciphertext[] cts = new Ciphertext[count];
        IOException[] errors = new IOException[count];
        parallelism.forEach(count, i -> {
            try {
                cts[i] = serializer.readCiphertext(new ByteArrayInputStream(objects[i]));
            } catch (IOException e) {
                errors[i] = e;
            }
        });
        for (int i = 0; i < count; i++) {
            if (errors[i] != null) {
                throw named(errors[i], i, what);
            }
        }
        return new ArrayList<>(Arrays.asList(cts));
    }

    /**
     * Why ciphertext i's bytes are refused, in the serializer's words, as reading them from the
     * stream would say (where a truncated object ends, what is wrong with a header); {@code
     * otherwise} when the serializer finds nothing to refuse in them.
     */
    private IOException refusal(InputStream bytes, int i, String what, IOException otherwise) {
        try {
            serializer.readCiphertext(bytes);
        } catch (IOException e) {
            return named(e, i, what);
        }
        return otherwise;
    }

    /** A serializer's refusal of ciphertext i, with the tensor and the ciphertext named. */
    private static IOException named(IOException e, int i, String what) {
        return new IOException("encrypted " + what + ", ciphertext " + i + ": " + e.getMessage(), e);
    }

    // ------------------------------------------------------------------ files

    /**
     * Writes the client plan: a versioned, checksummed file holding no model weights and no key.
     * Big-endian: magic {@code "L4JCPLN1"} | version u16 = 3 | body length u32 | deflated body |
     * CRC32C of the preceding bytes u32. The inflated body: fingerprint u64 | batch u32 | model name
     * (u16 length + UTF-8) | pixel scale f64 | input rank u8 + dims u32 each | outputs u32 | output
     * map alpha, beta f64 | parameters (u32 length + the {@link CkksSerializer} parameter object) |
     * relinearization u8 (+ its level u8 when 1) | conjugation u8 (+ its level u8 when 1) | rotation
     * count u32 + (step i32, level u8) each, steps increasing | input and output representations. A
     * key's level is the highest level the plan uses it at.
     *
     * @param out the stream (not closed)
     * @throws IOException when it fails
     */
    public void write(OutputStream out) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeLong(fingerprint);
        d.writeInt(batch);
        RepresentationCodec.writeString(d, modelName);
        d.writeByte(normalization.channels());
        for (int c = 0; c < normalization.channels(); c++) {
            d.writeDouble(normalization.scale(c));
            d.writeDouble(normalization.offset(c));
        }
        int[] dims = inputShape.dims();
        d.writeByte(dims.length);
        for (int x : dims) {
            d.writeInt(x);
        }
        d.writeInt(outputSize);
        d.writeDouble(outAlpha);
        d.writeDouble(outBeta);
        byte[] p = serializer.parametersToBytes();
        d.writeInt(p.length);
        d.write(p);
        d.writeBoolean(keys.needsRelinearization());
        if (keys.needsRelinearization()) {
            d.writeByte(keys.relinearizationLevel(params));
        }
        d.writeBoolean(keys.needsConjugation());
        if (keys.needsConjugation()) {
            d.writeByte(keys.conjugationLevel(params));
        }
        d.writeInt(keys.rotations().size());
        for (int s : keys.rotations()) {
            d.writeInt(s);
            d.writeByte(keys.rotationLevel(s, params));
        }
        RepresentationCodec.write(d, input);
        RepresentationCodec.write(d, output);
        ClientPart.write(d, clientPart);
        d.flush();
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        java.util.zip.Deflater z = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION);
        try (java.util.zip.DeflaterOutputStream zo = new java.util.zip.DeflaterOutputStream(packed, z)) {
            body.writeTo(zo);
        } finally {
            z.end();
        }
        FramedFile.write(out, Envelope.Kind.CLIENT_PLAN, VERSION, fingerprint, packed.toByteArray());
    }

    /**
     * Reads a client plan written by {@link #write}.
     *
     * @param in the stream (not closed)
     * @return the client plan
     * @throws IOException when the stream is truncated, corrupted, of another version, or describes
     *                     an inconsistent plan (the parameters are validated as by their builder,
     *                     including the security check)
     */
    public static ClientPlan read(InputStream in) throws IOException {
        FramedFile.Body framed = FramedFile.read(in, Envelope.Kind.CLIENT_PLAN, LEGACY_MAGIC, VERSION_LEVELED_KEYS, VERSION, MAX_BODY,
                "client plan");
        byte[] body = inflate(framed.bytes());
        // Every count below is checked against the parameters and the bytes left (d.available(),
        // exact on a byte array) before anything is allocated from it.
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(body));
        try {
            long fp = d.readLong();
            if (framed.enveloped() && framed.fingerprint() != fp) {
                throw new IOException(String.format("client plan: the header's fingerprint %016x differs from the body's %016x",
                        framed.fingerprint(), fp));
            }
            int batch = d.readInt();
            String name = RepresentationCodec.readString(d, "client plan's model name");
            int channels = d.readUnsignedByte();
            if (channels < 1 || channels > InputNormalization.MAX_CHANNELS) {
                throw new IOException("client plan: " + channels + " input normalization channels, expected 1 to "
                        + InputNormalization.MAX_CHANNELS);
            }
            double[] scale = new double[channels];
            double[] offset = new double[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = d.readDouble();
                offset[c] = d.readDouble();
            }
            InputNormalization normalization = InputNormalization.affine(scale, offset);
            int rank = d.readUnsignedByte();
            if (rank < 1 || rank > 4) {
                throw new IOException("client plan: input rank " + rank + " is outside [1, 4]");
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = d.readInt();
            }
            Shape shape = Shape.of(dims);
            int outputSize = d.readInt();
            double alpha = d.readDouble();
            double beta = d.readDouble();
            int pl = d.readInt();
            if (pl < 0 || pl > d.available()) {
                throw new IOException("client plan: the parameters' length " + pl + " exceeds the " + d.available()
                        + " bytes left in the body");
            }
            byte[] p = new byte[pl];
            d.readFully(p);
            CkksParameters params = CkksSerializer.readParameters(new ByteArrayInputStream(p));
            int slots = params.slots();
            if (batch < 0 || batch > slots) {
                throw new IOException("client plan: batch " + batch + " is outside [0, " + slots + "] (the slots)");
            }
            long images = Math.max(1, batch);
            long inputs = shape.size() * images;
            long outputs = (long) outputSize * images;
            if (inputs > RepresentationCodec.MAX_ELEMENTS || outputSize < 1 || outputs > RepresentationCodec.MAX_ELEMENTS) {
                throw new IOException("client plan: " + shape + " inputs and " + outputSize + " outputs per image, " + images
                        + " images: expected at least one output and at most " + RepresentationCodec.MAX_ELEMENTS
                        + " values each way");
            }
            KeyRequirements keys = KeyRequirements.none();
            if (readFlag(d, "relinearization")) {
                keys = keys.withRelinearization(readLevel(d, params, "the relinearization key"));
            }
            if (readFlag(d, "conjugation")) {
                keys = keys.withConjugation(readLevel(d, params, "the conjugation key"));
            }
            int rotations = d.readInt();
            long maxRotations = Math.min(slots, d.available() / 5);
            if (rotations < 0 || rotations > maxRotations) {
                throw new IOException("client plan: " + rotations + " rotation keys is outside [0, " + maxRotations
                        + "] (the slots, and the bytes left)");
            }
            int last = 0;
            // steps grouped by level, then added once per level (not once per step: a copy each time)
            java.util.Map<Integer, List<Integer>> byLevel = new java.util.TreeMap<>();
            for (int i = 0; i < rotations; i++) {
                int s = d.readInt();
                // write() lists the set's steps in increasing order; anything else is not what it wrote.
                if (s == 0 || (i > 0 && s <= last)) {
                    throw new IOException("client plan: rotation step " + i + " is " + s + ", expected a non-zero step above "
                            + (i == 0 ? "nothing" : last) + " (strictly increasing)");
                }
                byLevel.computeIfAbsent(readLevel(d, params, "the rotation by " + s), l -> new ArrayList<>()).add(s);
                last = s;
            }
            for (java.util.Map.Entry<Integer, List<Integer>> e : byLevel.entrySet()) {
                keys = keys.withRotations(e.getKey(), e.getValue());
            }
            Representation input = RepresentationCodec.read(d, slots, inputs);
            Representation output = RepresentationCodec.read(d, slots, RepresentationCodec.MAX_ELEMENTS);
            ClientPart part = framed.version() >= VERSION ? ClientPart.read(d, "client plan") : null;
            if (d.available() != 0) {
                throw new IOException("client plan has " + d.available() + " unexpected bytes after its contents");
            }
            return new ClientPlan(name, params, shape, normalization, outputSize, input, output, alpha, beta, keys, fp, batch,
                    part);
        } catch (EOFException e) {
            throw new IOException("client plan body ends before its contents do", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("client plan does not describe a valid plan: " + e.getMessage(), e);
        }
    }

    /** A key's level: at most the parameters' top level. */
    private static int readLevel(DataInputStream d, CkksParameters params, String what) throws IOException {
        int level = d.readUnsignedByte();
        if (level > params.maxLevel()) {
            throw new IOException("client plan: the level of " + what + " is " + level + ", above the top level "
                    + params.maxLevel());
        }
        return level;
    }

    /** A boolean written by writeBoolean: 0 or 1, nothing else. */
    private static boolean readFlag(DataInputStream d, String what) throws IOException {
        int b = d.readUnsignedByte();
        if (b > 1) {
            throw new IOException("client plan: the " + what + " flag is " + b + ", expected 0 or 1");
        }
        return b == 1;
    }

    /**
     * The body is deflated (the layouts' slot maps are regular). Inflating grows with the output
     * and stops at the size limit; a stream that is truncated, fails its Adler-32, needs a
     * dictionary or has bytes after its end is refused.
     */
    private static byte[] inflate(byte[] packed) throws IOException {
        java.util.zip.Inflater z = new java.util.zip.Inflater();
        try {
            z.setInput(packed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(MAX_BODY, 4 * packed.length + 64));
            byte[] buf = new byte[1 << 16];
            while (!z.finished()) {
                int n = z.inflate(buf);
                if (n == 0 && (z.needsInput() || z.needsDictionary())) {
                    throw new IOException("client plan body is not valid deflate data: "
                            + (z.needsDictionary() ? "it needs a preset dictionary" : "it ends before the deflate stream does"));
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_BODY) {
                    throw new IOException("client plan inflates beyond " + MAX_BODY + " bytes");
                }
            }
            if (z.getRemaining() != 0) {
                throw new IOException("client plan body has " + z.getRemaining() + " bytes after its deflate stream");
            }
            return out.toByteArray();
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException("client plan body is not valid deflate data: " + e.getMessage(), e);
        } finally {
            z.end();
        }
    }

    /** SHA-256 of a tensor's header and its ciphertexts' checksums, in order. */
    private static final class StreamDigest {
        private final java.security.MessageDigest md;

        StreamDigest(byte[] header) {
            try {
                md = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
            md.update(header);
        }

        void add(byte[] crc) {
            md.update(crc);
        }

        byte[] finish() {
            return md.digest();
        }
    }

    /**
     * The last four bytes that went through a stream: after a CKKS object has been read or written
     * whole, they are its CRC32C trailer (the serializer reads exactly an object's bytes, never ahead).
     */
    private static final class Tail {
        private final byte[] tail = new byte[4];

        byte[] lastFour() {
            return tail.clone();
        }

        void remember(byte[] b, int off, int len) {
            if (len >= 4) {
                System.arraycopy(b, off + len - 4, tail, 0, 4);
            } else if (len > 0) {
                System.arraycopy(tail, len, tail, 0, 4 - len);
                System.arraycopy(b, off, tail, 4 - len, len);
            }
        }
    }

    /** An output stream that keeps the {@link Tail} of what it writes. */
    private static final class TailOut extends java.io.FilterOutputStream {
        final Tail tail = new Tail();

        TailOut(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            tail.remember(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            tail.remember(b, off, len);
        }
    }

    /** An input stream that keeps the {@link Tail} of what it reads. */
    private static final class TailIn extends java.io.FilterInputStream {
        final Tail tail = new Tail();

        TailIn(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                tail.remember(new byte[] {(byte) b}, 0, 1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                tail.remember(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipped bytes would escape the tail; the serializer never skips, so refuse rather than guess
            throw new IOException("skip is not supported while reading a tensor");
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    @Override
    public String toString() {
        return "ClientPlan[" + modelName + ", N=" + params.ringDegree() + ", input " + input.describe() + ", "
                + keys.rotations().size() + " rotation keys]";
    }
}
