package io.github.lola4j.lola;

import io.github.lola4j.ckks.Ciphertext;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.ckks.PublicKey;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.Progress;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A compiled network: the CKKS parameters, the input and output representations, the kernel of
 * every step, the exact evaluation keys, and the simulated level, scale, operations and time of
 * every step. Made by {@link LolaCompiler}; the same object serves the client and the server, and
 * holds no key material.
 *
 * <p>Client: the plan's {@link #clientPlan()} (which a server hands to clients, without the
 * network) lays the input out in the plan's input representation, encrypts it, and decrypts the
 * scores. Server:
 * {@link #evaluate} takes the encrypted input and the evaluation keys only (neither can hold a
 * secret key). The plaintext twin ({@link #evaluatePlain}, {@link #traceTwin}) runs the identical
 * slot operations on doubles; {@link #report()} describes everything before any key exists.
 *
 * <p>Evaluation is exact modular arithmetic, so results are bit-identical whatever the thread
 * count. Immutable and thread-safe; weight encodings are made on first use (or by
 * {@link #prepare()}) and cached.
 */
public final class Plan {

    /**
     * What the compiler recorded about how it chose the plan.
     *
     * @param costModel    the source of the operation times
     * @param calibration  what the value ranges were measured on
     * @param stageMax     the largest |value| after each stage on the calibration inputs
     * @param headroomBits the smallest headroom the twin found on them (NaN before the check)
     * @param alternatives the other candidates considered, cheapest first, and why others failed
     * @param batch        images per evaluation in batch mode, 0 in latency mode
     * @param predictedError the noise model's bound on the scores' error on the calibration inputs
     *                     ({@link Plan#predictedError}), NaN when not computed (a plan read from a file)
     * @param margin       the smallest gap between the two largest scores on the calibration inputs,
     *                     NaN when not known
     */
    public record CompileInfo(String costModel, String calibration, double[] stageMax, double headroomBits,
            List<String> alternatives, int batch, double predictedError, double margin) {
        /** Copies the arrays. */
        public CompileInfo {
            stageMax = stageMax.clone();
            alternatives = List.copyOf(alternatives);
        }

        /**
         * Compile information without the precision figures (a plan file does not record them).
         *
         * @param costModel    the source of the cost model
         * @param calibration  what the value ranges were measured on
         * @param stageMax     the largest |value| after each stage
         * @param headroomBits the smallest headroom
         * @param alternatives the other candidates
         * @param batch        images per evaluation in batch mode, 0 in latency mode
         */
        public CompileInfo(String costModel, String calibration, double[] stageMax, double headroomBits,
                List<String> alternatives, int batch) {
            this(costModel, calibration, stageMax, headroomBits, alternatives, batch, Double.NaN, Double.NaN);
        }
    }

    private final Network network;
    private final CkksParameters params;
    private final List<Choice> choices;
    private final List<PlanStep> steps;
    private final Representation input;
    private final Representation output;
    private final double outAlpha;
    private final double outBeta;
    private final KeyRequirements keys;
    private final long fingerprint;
    private final CompileInfo info;
    private final CostModel model;
    private final Encoder encoder;
    private final ClientPlan client;
    /** The plaintext part the client runs before encrypting, for a split model; null otherwise. */
    private final ClientPart clientPart;

    private Plan(Network network, CkksParameters params, List<Choice> choices, List<PlanStep> steps, KeyRequirements keys,
            CompileInfo info, CostModel model) {
        this(network, params, choices, steps, keys, info, model, null);
    }

    private Plan(Network network, CkksParameters params, List<Choice> choices, List<PlanStep> steps, KeyRequirements keys,
            CompileInfo info, CostModel model, ClientPart clientPart) {
        this.network = network;
        this.params = params;
        this.choices = List.copyOf(choices);
        this.steps = List.copyOf(steps);
        this.input = steps.get(0).in();
        this.output = steps.get(steps.size() - 1).out();
        this.outAlpha = steps.get(steps.size() - 1).pending().alpha();
        this.outBeta = steps.get(steps.size() - 1).pending().beta();
        this.keys = keys;
        this.info = info;
        this.model = model;
        this.fingerprint = computeFingerprint(network, params, choices, info.batch());
        this.encoder = new Encoder(params);
        this.clientPart = clientPart;
        this.client = new ClientPlan(network.info().name(), params, network.inputShape(), network.info().normalization(),
                network.outputShape().size(), input, output, outAlpha, outBeta, keys, fingerprint, info.batch(), clientPart);
    }

    /**
     * Builds a plan from its choices and simulates it with the parameters.
     *
     * @param network the network
     * @param params  the parameters
     * @param choices the decisions, in order
     * @param kernels the kernels already built for them (same length, nulls where none), or null to build them
     * @param model   the cost model for the predicted times
     * @param info    the compile record
     * @return the plan
     */
    static Plan assemble(Network network, List<Stage> stages, CkksParameters params, List<Choice> choices, List<Kernel> kernels,
            CostModel model, CompileInfo info) {
        return assemble(network, stages, params, choices, kernels, model, info, false);
    }

    /**
     * {@link #assemble}; a final plan (the compiler's result, a plan read from a file) also
     * {@linkplain WeightVector#releaseValues() releases} the dense slot values of its weight
     * vectors: the compiler's twin runs are over, and a plan that kept them beside their encodings
     * would hold both (512 MiB of doubles for lola-cifar, which need not be in the heap when the
     * keys are made). They are rebuilt, to the bit, whenever an encoding or a twin run needs them.
     */
    private static Plan assemble(Network network, List<Stage> stages, CkksParameters params, List<Choice> choices,
            List<Kernel> kernels, CostModel model, CompileInfo info, boolean compiled) {
        int slots = params.slots();
        LevelChain chain = LevelChain.of(params);
        List<PlanStep> steps = new ArrayList<>();
        Representation repr = null;
        double alpha = 1;
        double beta = 0;
        int stage = 0;
        int level = params.maxLevel();
        double scale = params.defaultScale();
        int degree = 1;
        KeyRequirements req = KeyRequirements.none();
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            if (c.isClientLayout()) {
                if (i != 0) {
                    throw new IllegalArgumentException("plan: a client layout must come first, found " + c + " at step " + i);
                }
                repr = KernelFactory.clientLayout(c, stages.get(0).in.size(), slots);
                steps.add(PlanStep.passThrough(c, "input " + network.inputShape(), repr, new PlanStep.At(level, scale),
                        PlanStep.Pending.NONE));
                continue;
            }
            boolean conversion = c.kind().equals(Choice.VECTORIZE) || c.kind().equals(Choice.REPLICATE)
                    || c.kind().equals(Choice.INTERLEAVE) || c.kind().equals(Choice.MASK);
            if (!conversion && stage >= stages.size()) {
                throw new IllegalArgumentException("plan: choice " + c + " at step " + i + " has no stage left to run");
            }
            Stage st = conversion ? null : stages.get(stage);
            if (c.kind().equals(Choice.IDENTITY)) {
                if (!isIdentity(st)) {
                    throw new IllegalArgumentException("plan: " + st.label + " is not an identity");
                }
                steps.add(PlanStep.passThrough(c, st.label, repr, new PlanStep.At(level, scale), new PlanStep.Pending(alpha, beta)));
                stage++;
                continue;
            }
            Kernel k = kernels != null && kernels.get(i) != null ? kernels.get(i)
                    : KernelFactory.build(c, st, repr, alpha, beta, slots, 1.0);
            if (k == null) {
                throw new IllegalArgumentException("plan: choice " + c + " does not apply at step " + i
                        + (st == null ? "" : " (" + st.label + ")"));
            }
            if (repr != null && !k.input().equals(repr)) {
                throw new IllegalArgumentException("plan: step " + i + " (" + c + ") reads " + k.input().describe() + " but gets "
                        + repr.describe());
            }
            CountingSlots sim = new CountingSlots(slots, chain);
            List<CountingSlots.Value> in = new ArrayList<>();
            for (int q = 0; q < k.input().ciphertexts(); q++) {
                in.add(new CountingSlots.Value(level, scale, degree));
            }
            List<CountingSlots.Value> out = k.apply(sim, in);
            if (compiled) {
                for (WeightVector w : sim.weights()) {
                    w.releaseValues();
                }
            }
            degree = out.get(0).degree();
            int levelOut = out.get(0).level();
            double scaleOut = out.get(0).scale();
            OpCounts counts = sim.counts().copy();
            req = req.union(sim.keyRequirements());
            double seconds = model.seconds(counts, params.ringDegree());
            steps.add(new PlanStep(c, k, st == null ? "conversion" : st.label, k.input(), k.output(), new PlanStep.At(level, scale),
                    new PlanStep.At(levelOut, scaleOut), new PlanStep.Pending(k.outAlpha(), k.outBeta()), counts,
                    sim.rotationSteps(), sim.needsRelinearization(), seconds));
            repr = k.output();
            alpha = k.outAlpha();
            beta = k.outBeta();
            level = levelOut;
            scale = scaleOut;
            if (!conversion) {
                stage++;
            }
        }
        if (stage != stages.size()) {
            throw new IllegalArgumentException("plan: the choices cover " + stage + " of " + stages.size() + " stages");
        }
        return new Plan(network, params, choices, steps, req, info, model);
    }

    private static boolean isIdentity(Stage st) {
        return st != null && st.isLinear() && st.map.isIdentity();
    }

    /** The fingerprint of a plan's parts, as {@link #fingerprint()} gives it (PlanFile checks it before building). */
    static long computeFingerprint(Network net, CkksParameters params, List<Choice> choices, int batch) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("lola4j-plan-v1".getBytes(StandardCharsets.US_ASCII));
            md.update(ByteBuffer.allocate(12).putLong(params.fingerprint()).putInt(batch).array());
            md.update(ModelFormat.fingerprintBytes(net, ModelFormat.WeightEncoding.lossless(net)));
            for (Choice c : choices) {
                md.update(c.encode().getBytes(StandardCharsets.US_ASCII));
                md.update((byte) ';');
            }
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The same plan with the precision figures the compiler found (the fingerprint does not cover them). */
    Plan withPrecision(double predictedError, double margin) {
        CompileInfo i = new CompileInfo(info.costModel(), info.calibration(), info.stageMax(), info.headroomBits(),
                info.alternatives(), info.batch(), predictedError, margin);
        return new Plan(network, params, choices, steps, keys, i, model, clientPart);
    }

    /**
     * This plan with the plaintext part a client runs before encrypting (a split model: the plan's
     * network is the part after the cut). {@link #write} stores it and {@link #clientPlan()}
     * carries it, so a client that fetches the plan from a server learns what to run. The
     * fingerprint does not cover it: the keys and the evaluation are the same.
     *
     * @param part the client's part, or null for none
     * @return the plan with that part (sharing the kernels and their prepared weights)
     */
    public Plan withClientPart(ClientPart part) {
        return new Plan(network, params, choices, steps, keys, info, model, part);
    }

    /** The plaintext part a client runs before encrypting, when the plan is the encrypted part of a split model. */
    public java.util.Optional<ClientPart> clientPart() {
        return java.util.Optional.ofNullable(clientPart);
    }

    /**
     * The same plan with the measured headroom recorded.
     *
     * @param stages the network's stages, as the compiler has them (lola-cifar's take seconds to make again)
     */
    Plan withHeadroom(double bits, List<Stage> stages) {
        CompileInfo i = new CompileInfo(info.costModel(), info.calibration(), info.stageMax(), bits, info.alternatives(),
                info.batch());
        List<Kernel> ks = new ArrayList<>();
        for (PlanStep s : steps) {
            ks.add(s.kernel());
        }
        // The compiler's last step: its twin runs are done, so the plan is final.
        return assemble(network, stages, params, choices, ks, model, i, true);
    }

    // ------------------------------------------------------------------ accessors

    /** The network. */
    public Network network() {
        return network;
    }

    /** The CKKS parameters. */
    public CkksParameters parameters() {
        return params;
    }

    /** Exactly the evaluation keys the plan uses: relinearization and the rotation steps. */
    public KeyRequirements keyRequirements() {
        return keys;
    }

    /** The representation the client encrypts its input in. */
    public Representation inputRepresentation() {
        return input;
    }

    /** The representation of the encrypted result. */
    public Representation outputRepresentation() {
        return output;
    }

    /** A fingerprint of the parameters, the network and the choices; tensors carry it. */
    public long fingerprint() {
        return fingerprint;
    }

    /** What the compiler recorded. */
    public CompileInfo compileInfo() {
        return info;
    }

    /** Whether the plan evaluates a batch of images (SIMD) rather than one. */
    public boolean isBatch() {
        return info.batch() > 0;
    }

    /** Images per evaluation in batch mode (1 in latency mode). */
    public int batchSize() {
        return Math.max(1, info.batch());
    }

    /** The choices, as a plan file stores them. */
    List<Choice> choices() {
        return choices;
    }

    /** The steps. */
    List<PlanStep> steps() {
        return steps;
    }

    /** The cost model the plan was priced with. */
    CostModel costModel() {
        return model;
    }

    /** The multiplicative depth: levels consumed from the top. */
    public int depth() {
        return params.maxLevel() - steps.get(steps.size() - 1).end().level();
    }

    /** The predicted single-thread server time, in seconds. */
    public double predictedSeconds() {
        double s = 0;
        for (PlanStep p : steps) {
            s += p.seconds();
        }
        return s;
    }

    /** All operations of an evaluation. */
    public OpCounts operations() {
        OpCounts c = new OpCounts();
        for (PlanStep p : steps) {
            c.addAll(p.counts());
        }
        return c;
    }

    /** The report: per step and in total, before any key exists. */
    public PlanReport report() {
        return PlanReport.of(this);
    }

    // ------------------------------------------------------------------ memory

    /**
     * An estimate of the heap an evaluation of the plan needs, in bytes, by what holds it; the
     * figure {@link PlanReport#peakMemoryBytes()} reports is {@link #total()}. It counts arrays of
     * residues only (8 bytes per coefficient and prime), not object headers, not the network's own
     * weights and not the compact form of the diagonals from which the plan rebuilds their slot
     * values (those are in the heap already when the plan exists). A compiled plan keeps no dense
     * slot values beside the encodings: {@link #prepare()} rebuilds one vector at a time, encodes
     * it and lets it go.
     *
     * @param encodedWeights the plaintext operands of every step (weights, masks, biases) encoded at
     *                       their level in product form, one row of N residues per prime: what
     *                       {@link #prepare()} or the first evaluation makes, and the plan keeps
     * @param evaluationKeys the evaluation keys in memory (relinearization and one Galois key per
     *                       rotation step, each 2 x dnum polynomials over Q and P, uniform halves
     *                       expanded); their serialized, seeded form is about half of it
     * @param workingSet     per evaluation: the largest number of ciphertexts one step keeps alive
     *                       (its inputs, outputs, hoisted rotations and a few pending ones) at that
     *                       step's level, plus the key-switching workspace of each thread
     */
    public record MemoryEstimate(long encodedWeights, long evaluationKeys, long workingSet) {
        /**
         * Checks the figures.
         *
         * @throws IllegalArgumentException when one is negative
         */
        public MemoryEstimate {
            if (encodedWeights < 0 || evaluationKeys < 0 || workingSet < 0) {
                throw new IllegalArgumentException("memory estimate: figures must be non-negative, got weights " + encodedWeights
                        + ", keys " + evaluationKeys + ", working set " + workingSet);
            }
        }

        /** The sum: encoded weights, evaluation keys and working set. */
        public long total() {
            return encodedWeights + evaluationKeys + workingSet;
        }
    }

    /**
     * The server's memory estimate with one key-switching workspace per available processor (the
     * default thread count of the CLI and of {@link #report()}).
     *
     * @return the estimate; its total is {@link PlanReport#peakMemoryBytes()}
     */
    public MemoryEstimate memoryEstimate() {
        return memoryEstimate(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * The server's memory estimate for evaluations on a number of threads: what the plan holds once
     * prepared (encoded weights), the evaluation keys, and the working memory of one evaluation.
     * Exact arithmetic on the plan's steps; no key or encoding is made.
     *
     * @param threads the evaluation threads, at least 1 (each needs a key-switching workspace)
     * @return the estimate
     * @throws IllegalArgumentException when threads is below 1
     */
    public MemoryEstimate memoryEstimate(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("memoryEstimate: threads must be at least 1, got " + threads);
        }
        long n = params.ringDegree();
        long keyMemory = ClientPlan.evaluationKeyMemory(params, keys);
        long plaintextBytes = 0;
        for (PlanStep st : steps) {
            if (st.kernel() != null) {
                // Weights are kept in their product form only (Plaintext.productForm): one row per limb.
                plaintextBytes += st.counts().total(OpCounts.Op.PLAIN_PRODUCT) * 8L * n * (st.start().level() + 1);
            }
        }
        return new MemoryEstimate(plaintextBytes, keyMemory, workingSet(false) + switchWorkspace(threads));
    }

    /**
     * The most ciphertext bytes one step keeps alive: its inputs and outputs, its hoisted rotations
     * and a few plain ones. With {@code besidesInput}, the first step's inputs are left out: they are
     * the encrypted input, which a run in one process counts with the client.
     */
    private long workingSet(boolean besidesInput) {
        long n = params.ringDegree();
        long working = 0;
        boolean first = true;
        for (PlanStep st : steps) {
            if (st.kernel() == null) {
                continue;
            }
            OpCounts c = st.counts();
            long ctBytes = 2L * 8 * n * (st.start().level() + 1);
            long alive = (besidesInput && first ? 0 : st.in().ciphertexts()) + st.out().ciphertexts()
                    + c.total(OpCounts.Op.HOISTED_ROTATION) + Math.min(c.total(OpCounts.Op.ROTATION), 8);
            working = Math.max(working, alive * ctBytes);
            first = false;
        }
        return working;
    }

    /** A key switch works on dnum + 2 polynomials over every prime of Q and P, per thread. */
    private long switchWorkspace(int threads) {
        long keyPoly = 8L * params.ringDegree() * (params.maxLevel() + 1 + params.specialPrimes().length);
        return (params.dnum() + 2L) * keyPoly * threads;
    }

    /**
     * An estimate of the client's memory, in bytes: its secret and public keys, the evaluation keys
     * it generates (in memory, before it serializes them), one encrypted input at the top level and
     * one encrypted output at level 0. The plan itself (layouts, the network) is not counted.
     *
     * @return the bytes
     */
    public long clientMemoryBytes() {
        return client.memoryBytes();
    }

    /**
     * An estimate of a run with the client and the server in one process (the CLI's {@code infer}
     * and {@code demo}, latency or batch mode), in bytes: the server's {@link #memoryEstimate(int)}
     * and the client's {@link #clientMemoryBytes()}, with the evaluation keys and the encrypted input
     * counted once: the first step reads the input the client holds, and the client holds it
     * through the later steps (so it is counted beside each of their working sets).
     *
     * @param threads the evaluation threads, at least 1
     * @return the bytes
     * @throws IllegalArgumentException when threads is below 1
     */
    public long runMemoryBytes(int threads) {
        MemoryEstimate server = memoryEstimate(threads);
        return server.encodedWeights() + switchWorkspace(threads) + workingSet(true) + clientMemoryBytes();
    }

    /**
     * Encodes every plaintext operand of every step at its level, so that the first evaluation is
     * as fast as the later ones (a server calls this once after loading the plan). A plan read
     * from a {@linkplain #writePrepared prepared file} has them all already, and this returns at
     * once.
     */
    public void prepare() {
        prepare((w, level, scale, products) -> {
            if (products) {
                w.encodeForProducts(encoder, level, scale);
            } else {
                w.encode(encoder, level, scale);
            }
        });
    }

    /**
     * Runs the steps' kernels on a simulator that asks {@code encodings} for every plaintext
     * operand, in the order the evaluation uses them: always the same order for the same plan,
     * which is what lets a prepared file store them as a plain sequence.
     */
    void prepare(CountingSlots.Encodings encodings) {
        int degree = 1;
        for (PlanStep s : steps) {
            if (s.kernel() == null) {
                continue;
            }
            CountingSlots p = CountingSlots.preparing(params, encodings);
            List<CountingSlots.Value> in = new ArrayList<>();
            for (int q = 0; q < s.in().ciphertexts(); q++) {
                in.add(new CountingSlots.Value(s.start().level(), s.start().scale(), degree));
            }
            degree = s.kernel().apply(p, in).get(0).degree();
        }
    }

    // ------------------------------------------------------------------ client

    /**
     * The client's half of the plan: parameters, layouts, key requirements and the output map,
     * without the network. A server hands it to clients; it encrypts the input, decrypts the
     * output and reads and writes tensors.
     *
     * @return the client plan
     */
    public ClientPlan clientPlan() {
        return client;
    }

    /**
     * Reads an encrypted input of this plan, as a server receives it ({@link ClientPlan#readInput(InputStream,
     * Parallelism)}: every check is made before it is returned, the ciphertexts decoded on the given threads).
     *
     * @param in          the stream (not closed; nothing past the tensor is read)
     * @param parallelism where the ciphertexts are decoded
     * @return the tensor, with its image count
     * @throws IOException when the stream is truncated or corrupted, or belongs to another plan or parameter set
     */
    public EncryptedTensor readInput(InputStream in, Parallelism parallelism) throws IOException {
        return client.readInput(in, parallelism);
    }

    /**
     * Writes an encrypted result of this plan, as a server sends it ({@link ClientPlan#writeTensor(OutputStream,
     * EncryptedTensor, Parallelism)}).
     *
     * @param out         the stream (not closed)
     * @param y           the result of {@link #evaluate}
     * @param parallelism where the ciphertexts are serialized
     * @throws IOException              when the stream fails
     * @throws IllegalArgumentException when the tensor belongs to another plan
     */
    public void writeOutput(OutputStream out, EncryptedTensor y, Parallelism parallelism) throws IOException {
        client.writeTensor(out, y, parallelism);
    }

    /**
     * Encrypts an input tensor with the public key, after checking its shape against the network's:
     * a tensor of the right size in the wrong shape (channels last instead of first, say) would
     * otherwise be encrypted, evaluated and answered without complaint. Flat values go through
     * {@link #clientPlan()}, which knows the input's size but not the network.
     *
     * @param x      the input
     * @param pk     the public key
     * @param random the randomness
     * @return the encrypted input
     * @throws IllegalArgumentException on a wrong shape or non-finite value
     */
    public EncryptedTensor encryptInput(Tensor x, PublicKey pk, SecureRandom random) {
        if (!x.shape().equals(network.inputShape())) {
            throw new IllegalArgumentException("encryptInput: the network takes " + network.inputShape() + ", got " + x.shape());
        }
        return client.encryptInput(x.toArray(), pk, random);
    }

    // ------------------------------------------------------------------ server

    /**
     * Evaluates the network on an encrypted input, on the calling thread.
     *
     * @param x    the encrypted input (of this plan)
     * @param keys the evaluation keys
     * @return the encrypted result, at level 0
     */
    public EncryptedTensor evaluate(EncryptedTensor x, EvaluationKeys keys) {
        return evaluate(x, keys, Parallelism.sequential());
    }

    /**
     * Evaluates the network on an encrypted input.
     *
     * @param x           the encrypted input (of this plan)
     * @param keys        the evaluation keys (at least {@link #keyRequirements()})
     * @param parallelism the threads: kernels run independent ciphertexts, rotations and products in
     *                    parallel, the evaluator splits each operation over limbs
     * @return the encrypted result, at level 0, holding the input's {@linkplain EncryptedTensor#images() images}
     * @throws IllegalArgumentException when the input belongs to another plan or other parameters,
     *                                  has the wrong number of ciphertexts, level or scale, or more
     *                                  images than the plan's batch size
     * @throws IllegalStateException    when a key the plan needs is missing (naming the rotation)
     */
    public EncryptedTensor evaluate(EncryptedTensor x, EvaluationKeys keys, Parallelism parallelism) {
        return evaluate(x, keys, parallelism, false, Progress.none()).output();
    }

    /**
     * Evaluates the network on an encrypted input, reporting one unit per step of the plan (the
     * steps' times are those of {@link #report()}); the result is the same as without a progress.
     *
     * @param x           the encrypted input (of this plan)
     * @param keys        the evaluation keys (at least {@link #keyRequirements()})
     * @param parallelism the threads
     * @param progress    where to report, as the task "evaluating"
     * @return the encrypted result, at level 0
     * @throws IllegalArgumentException as {@link #evaluate(EncryptedTensor, EvaluationKeys, Parallelism)}
     * @throws IllegalStateException    as {@link #evaluate(EncryptedTensor, EvaluationKeys, Parallelism)}
     */
    public EncryptedTensor evaluate(EncryptedTensor x, EvaluationKeys keys, Parallelism parallelism, Progress progress) {
        return evaluate(x, keys, parallelism, false, Objects.requireNonNull(progress, "progress")).output();
    }

    /** An evaluation with every step's result and the rotation steps actually used. */
    record Trace(List<EncryptedTensor> steps, EncryptedTensor output, Set<Integer> usedSteps) {
    }

    Trace evaluateTrace(EncryptedTensor x, EvaluationKeys keys, Parallelism parallelism) {
        return evaluate(x, keys, parallelism, true, Progress.none());
    }

    /**
     * The evaluation; with keepSteps false the trace's step list is empty, so that no step's result
     * outlives the step that reads it (the input above all: lola-cifar's 768 ciphertexts, 576 MiB,
     * would otherwise stay reachable through every later step; its caller may have let it go).
     */
    private Trace evaluate(EncryptedTensor x, EvaluationKeys keys, Parallelism parallelism, boolean keepSteps,
            Progress progress) {
        Objects.requireNonNull(parallelism, "parallelism");
        client.checkTensor(x, input, params.maxLevel(), "evaluate");
        checkKeys(keys);
        CipherSlots ops = new CipherSlots(params, keys, encoder, parallelism);
        List<Ciphertext> cur = x.ciphertexts();
        List<EncryptedTensor> trace = new ArrayList<>();
        progress.start("evaluating", steps.size());
        try {
            for (PlanStep s : steps) {
                if (s.kernel() != null) {
                    cur = s.kernel().apply(ops, cur);
                }
                // built either way: the tensor checks the step's ciphertext count, levels and scales
                EncryptedTensor t = x.successor(s.out(), cur);
                if (keepSteps) {
                    trace.add(t);
                }
                progress.advance(1);
            }
        } finally {
            progress.done();
        }
        List<Ciphertext> out = new ArrayList<>(cur.size());
        for (Ciphertext c : cur) {
            out.add(c.level() == 0 ? c : ops.dropToLevel(c, 0));
        }
        // the result holds the input's images: the decryption takes their count from it
        return new Trace(trace, x.successor(output, out), ops.usedSteps());
    }

    private void checkKeys(EvaluationKeys k) {
        Objects.requireNonNull(k, "keys");
        if (!k.parameters().equals(params)) {
            throw new IllegalArgumentException("evaluate: the evaluation keys belong to other parameters than the plan's");
        }
        k.shortfall(keys).ifPresent(s -> {
            throw new IllegalStateException("evaluate: " + s + "; generate the keys from plan.keyRequirements()");
        });
    }

    // ------------------------------------------------------------------ twin

    /** A twin run: the output values and the smallest headroom over every slot of every step. */
    record TwinRun(double[] output, double minHeadroom, String minHeadroomAt) {
    }

    /**
     * The plaintext twin: the plan's slot operations on doubles, from the same input layout.
     *
     * @param values the network input
     * @return the outputs the encrypted evaluation approximates
     */
    public double[] evaluatePlain(double[] values) {
        return runTwin(values).output();
    }

    TwinRun runTwin(double[] values) {
        Twin t = twin(values, null);
        return new TwinRun(t.steps.get(t.steps.size() - 1).values(), t.ops.minHeadroom(), t.ops.minHeadroomAt());
    }

    /**
     * The predicted error of the scores of an encrypted evaluation of an input: {@value
     * NoiseModel#BOUND_SIGMAS} standard deviations of the {@link NoiseModel}'s estimate, added up
     * along the plan's operations with this input's values, in the units of the scores (a
     * public-key encryption; a secret-key one has less noise). No key is made.
     *
     * @param values the network input (or, for a batch plan, the concatenated batch)
     * @return the bound on |decrypted score - plaintext score| the model predicts
     */
    public double predictedError(double[] values) {
        Twin t = twin(values, NoiseModel.of(params));
        return NoiseModel.BOUND_SIGMAS * t.outputNoise * Math.abs(outAlpha);
    }

    /**
     * The twin of every step: its slot values, level and scale.
     *
     * @param values the network input (or, for a batch plan, the concatenated batch)
     * @return one tensor per step
     */
    public List<SlotTensor> traceTwin(double[] values) {
        return twin(values, null).steps;
    }

    /** A twin run's steps, its operations (with their headroom record) and the outputs' largest noise deviation (0 without a model). */
    private record Twin(List<SlotTensor> steps, PlainSlots ops, double outputNoise) {
    }

    private Twin twin(double[] values, NoiseModel noise) {
        if (isBatch()) {
            if (values.length != input.size()) {
                throw new IllegalArgumentException("traceTwin: a batch plan takes " + input.size() + " values, got " + values.length);
            }
        } else {
            client.checkInput(values, "evaluatePlain");
        }
        PlainSlots ops = new PlainSlots(params.slots(), LevelChain.of(params), noise);
        double[][] packed = input.pack(values);
        List<PlainSlots.Value> cur = new ArrayList<>();
        for (double[] p : packed) {
            cur.add(ops.fresh(p, params.maxLevel(), params.defaultScale()));
        }
        List<SlotTensor> out = new ArrayList<>();
        for (PlanStep s : steps) {
            if (s.kernel() != null) {
                cur = s.kernel().apply(ops, cur);
            }
            double[][] sl = new double[cur.size()][];
            for (int c = 0; c < sl.length; c++) {
                sl[c] = cur.get(c).v();
            }
            out.add(new SlotTensor(s.out(), sl, cur.get(0).level(), cur.get(0).scale(), s.pending().alpha(), s.pending().beta()));
        }
        return new Twin(out, ops, PlainSlots.maxNoise(steps.get(steps.size() - 1).out(), cur));
    }

    // ------------------------------------------------------------------ files

    /**
     * Writes the plan: a versioned, checksummed file of the parameters, the network and the
     * choices (no key material; the kernels are rebuilt when it is read).
     *
     * @param out the stream (not closed)
     * @throws IOException when it fails
     */
    public void write(OutputStream out) throws IOException {
        PlanFile.write(this, out);
    }

    /**
     * Writes the plan {@linkplain #prepare() prepared}: the plan file of {@link #write}, then every
     * encoded weight in the order the evaluation uses them, closed by a checksum. A server that
     * reads it skips the encoding ({@link #prepare()}'s work), at the price of a file as large as
     * the encodings (their residues as 8-byte words: 20 MiB for lola, about 4 GiB for lola-cifar).
     * Prepares the plan first if it is not yet.
     *
     * @param out the stream (not closed)
     * @throws IOException when it fails
     */
    public void writePrepared(OutputStream out) throws IOException {
        PreparedPlanFile.write(this, out);
    }

    /**
     * Whether a file holds a plan (as {@link #write} or {@link #writePrepared} writes it, or as
     * earlier releases did), from its first bytes; nothing else is checked: {@link #read} does that.
     *
     * @param file the file
     * @return true for a plan file, false for anything else (a model file, say)
     * @throws IOException when the file cannot be read
     */
    public static boolean isPlanFile(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(PlanFile.LEGACY_MAGIC.length);
            Envelope.Kind kind = Envelope.kindOf(head);
            return kind == Envelope.Kind.PLAN || kind == Envelope.Kind.PREPARED_PLAN || Arrays.equals(head, PlanFile.LEGACY_MAGIC);
        }
    }

    /**
     * Reads a plan written by {@link #write}, or a prepared one written by {@link #writePrepared}
     * (then with its encodings in place: {@link #prepare()} has nothing left to do).
     *
     * @param in the stream (not closed)
     * @return the plan
     * @throws IOException when the stream is truncated, corrupted, of another version, or its
     *                     contents do not rebuild to the plan it names
     */
    public static Plan read(InputStream in) throws IOException {
        PushbackInputStream s = new PushbackInputStream(in, Envelope.HEADER_BYTES);
        byte[] head = s.readNBytes(8);
        s.unread(head);
        if (Envelope.kindOf(head) == Envelope.Kind.PREPARED_PLAN) {
            return PreparedPlanFile.read(s);
        }
        return PlanFile.read(s);
    }

    /**
     * Rebuilds a plan from what a file stores. Its steps are priced with the built-in cost table,
     * never with a file of the reader's home folder: reading a plan gives the same plan wherever
     * it is read. When the plan was compiled with another table, the report says so (the file's
     * record of that table is kept as it was, so that the plan writes back the same bytes).
     */
    static Plan rebuild(Network net, CkksParameters params, List<Choice> choices, CompileInfo info) {
        return assemble(net, Stage.of(net), params, choices, null, CostModel.builtIn(), info, true);
    }

    @Override
    public String toString() {
        return "Plan[" + network.info().name() + ", N=" + params.ringDegree() + ", depth " + depth() + ", " + steps.size()
                + " steps, " + keys.rotations().size() + " rotation keys]";
    }
}
