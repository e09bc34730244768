package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.Decryptor;
import io.github.lola4j.ckks.Encoder;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.nn.Network;
import io.github.lola4j.ring.Parallelism;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The precision ledger of one encrypted evaluation, a debugging tool of the client (it needs the
 * secret key, so it never runs on a server): after every step, the decrypted slots against the
 * plaintext twin and, where a layer ends, the true values against the plaintext network, with the
 * headroom left before any slot overflows the modulus of its level.
 *
 * @param entries one entry per step
 */
public record PrecisionLedger(List<Entry> entries) {

    /**
     * One step of the ledger.
     *
     * @param step           the step index
     * @param layers         the layers it runs
     * @param kernel         its kernel
     * @param level          the level after it
     * @param log2Scale      log2 of the scale after it
     * @param maxAbsError    the largest |decrypted - twin| over the tensor's elements
     * @param log2Error      log2 of that (the bits of absolute error)
     * @param errorVsNetwork the largest |decrypted true value - network layer output|, or NaN where no
     *                       layer of the network ends
     * @param maxAbsSlot     the largest |decrypted value| over every slot (partial sums included)
     * @param headroomBits   log2(Q_level / 2) - log2(maxAbsSlot * scale): bits left before overflow
     */
    public record Entry(int step, String layers, String kernel, int level, double log2Scale, double maxAbsError,
            double log2Error, double errorVsNetwork, double maxAbsSlot, double headroomBits) {
    }

    /** Copies the list. */
    public PrecisionLedger {
        entries = List.copyOf(entries);
    }

    /**
     * Encrypts an input with the secret key, evaluates the plan and measures every step.
     *
     * @param plan        the plan
     * @param input       the network input
     * @param sk          the secret key
     * @param keys        the evaluation keys
     * @param random      the randomness of the encryption
     * @param parallelism the threads
     * @return the ledger
     */
    public static PrecisionLedger measure(Plan plan, double[] input, SecretKey sk, EvaluationKeys keys, SecureRandom random,
            Parallelism parallelism) {
        CkksParameters params = plan.parameters();
        Encoder encoder = new Encoder(params);
        Decryptor dec = new Decryptor(sk);
        Plan.Trace trace = plan.evaluateTrace(plan.clientPlan().encryptInput(input, sk, random), keys, parallelism);
        List<SlotTensor> twin = plan.traceTwin(input);
        Network net = plan.network();
        double[][] acts = net.activations(input);
        List<Entry> out = new ArrayList<>();
        List<PlanStep> steps = plan.steps();
        LevelChain chain = LevelChain.of(params);
        for (int i = 0; i < steps.size(); i++) {
            PlanStep st = steps.get(i);
            EncryptedTensor e = trace.steps().get(i);
            SlotTensor t = twin.get(i);
            double[][] slots = new double[e.ciphertexts().size()][];
            double maxSlot = 0;
            for (int c = 0; c < slots.length; c++) {
                slots[c] = encoder.decode(dec.decrypt(e.ciphertexts().get(c)));
                for (double d : slots[c]) {
                    maxSlot = Math.max(maxSlot, Math.abs(d));
                }
            }
            double[] got = st.out().unpack(slots);
            double[] want = t.storedValues();
            double err = 0;
            for (int k = 0; k < got.length; k++) {
                err = Math.max(err, Math.abs(got[k] - want[k]));
            }
            double vsNet = Double.NaN;
            boolean endsLayer = st.kernel() != null && !st.layers().equals("conversion") && !st.choice().isClientLayout();
            boolean lastOfStage = i == steps.size() - 1 || steps.get(i + 1).choice().isClientLayout()
                    || !steps.get(i + 1).layers().equals("conversion");
            if (endsLayer && lastOfStage) {
                int layer = lastLayerOf(st.layers(), net);
                if (layer >= 0 && acts[layer + 1].length == got.length) {
                    vsNet = 0;
                    for (int k = 0; k < got.length; k++) {
                        vsNet = Math.max(vsNet, Math.abs(st.pending().alpha() * got[k] + st.pending().beta() - acts[layer + 1][k]));
                    }
                }
            }
            double headroom = maxSlot == 0 ? Double.POSITIVE_INFINITY
                    : chain.log2Modulus(e.level()) - 1 - Math.log(maxSlot * e.scale()) / Math.log(2);
            out.add(new Entry(i, st.layers(), st.describe(), e.level(), Math.log(e.scale()) / Math.log(2), err,
                    err == 0 ? Double.NEGATIVE_INFINITY : Math.log(err) / Math.log(2), vsNet, maxSlot, headroom));
        }
        return new PrecisionLedger(out);
    }

    /** The last layer index named in a stage label "... (layer i)" or "... (layers i-j)", or -1. */
    private static int lastLayerOf(String label, Network net) {
        int p = label.lastIndexOf("(layer");
        if (p < 0) {
            return -1;
        }
        String s = label.substring(p).replaceAll("[^0-9-]", " ").trim();
        String[] parts = s.split("[ -]+");
        try {
            int l = Integer.parseInt(parts[parts.length - 1]);
            return l < net.layers().size() ? l : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The ledger as a table. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-4s %-5s %-7s %-12s %-12s %-10s %-9s %s%n", "step",
                "level", "scale", "error(twin)", "error(net)", "max|slot|", "headroom", "layers"));
        for (Entry e : entries) {
            sb.append(String.format(Locale.ROOT, "%-4d %-5d 2^%-5.1f %-12.3g %-12s %-10.4g %-9.1f %s%n", e.step, e.level,
                    e.log2Scale, e.maxAbsError, Double.isNaN(e.errorVsNetwork) ? "-" : String.format(Locale.ROOT, "%.3g",
                    e.errorVsNetwork), e.maxAbsSlot, e.headroomBits, e.layers));
        }
        return sb.toString();
    }
}
