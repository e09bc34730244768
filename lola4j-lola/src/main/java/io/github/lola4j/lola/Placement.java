package io.github.lola4j.lola;

/**
 * Where a linear kernel leaves its m outputs: output o ends at slot {@code slot(o)} of ciphertext
 * {@code ciphertext(o)}, computed as {@code partials()} partial sums at slot(o) + stride * l
 * (l &lt; partials) that log2(partials) rotations by stride, 2 stride, ... fold together. Using more
 * slots for partial sums makes the diagonals fewer (the hybrid diagonal method); when the partials
 * cover the whole cycle, the fold leaves every slot holding a copy (a stacked output) for free.
 * Immutable.
 */
final class Placement {

    private final String name;
    private final int slots;
    private final int ciphertexts;
    private final int[] ct;
    private final int[] slot;
    private final int stride;
    private final int partials;
    private final Representation output;

    private Placement(String name, int slots, int ciphertexts, int[] ct, int[] slot, int stride, int partials,
            Representation output) {
        this.name = name;
        this.slots = slots;
        this.ciphertexts = ciphertexts;
        this.ct = ct;
        this.slot = slot;
        this.stride = stride;
        this.partials = partials;
        this.output = output;
    }

    /**
     * Outputs at slots 0..m-1, partial sums spread over the whole cycle with period h: after the fold
     * the output is stacked with period h (S / h copies).
     *
     * @param m     outputs, at most h
     * @param h     the period, a power of two
     * @param slots S
     * @return the placement
     */
    static Placement stacked(int m, int h, int slots) {
        if (m > h || h > slots || Integer.bitCount(h) != 1) {
            throw new IllegalArgumentException("stacked placement: " + m + " outputs, period " + h + ", " + slots + " slots");
        }
        int[] c = new int[m];
        int[] s = new int[m];
        for (int o = 0; o < m; o++) {
            s[o] = o;
        }
        return new Placement("stacked " + h, slots, 1, c, s, h, slots / h, new StackedLayout(m, h, slots / h, slots));
    }

    /**
     * Outputs in c blocks of width S / c, h = nextPow2(ceil(m / c)) per block, each output's partial
     * sums spread over its block: fewer diagonals than {@link #stacked} when the input is
     * replicated across the blocks, but the result holds partial sums beside the outputs.
     *
     * @param m      outputs
     * @param blocks c, a power of two &ge; 2
     * @param slots  S
     * @return the placement
     */
    static Placement blocked(int m, int blocks, int slots) {
        int p = slots / blocks;
        int h = Kernel.nextPow2((m + blocks - 1) / blocks);
        if (blocks < 2 || Integer.bitCount(blocks) != 1 || h > p) {
            throw new IllegalArgumentException("blocked placement: " + m + " outputs in " + blocks + " blocks of " + slots);
        }
        int[] c = new int[m];
        int[] s = new int[m];
        for (int o = 0; o < m; o++) {
            s[o] = p * (o / h) + o % h;
        }
        int partials = p / h;
        String name = "blocked " + blocks + " x " + h;
        Representation out = new InterleavedLayout(name, 1, slots, c, s,
                partials == 1 ? Representation.Fill.ZERO : Representation.Fill.GARBAGE);
        return new Placement(name, slots, 1, c, s, h, partials, out);
    }

    /**
     * Outputs at slots 0..m-1 with L partial sums at stride h (L h &lt; S, or L = 1 for none).
     *
     * @param m        outputs, at most h
     * @param h        the stride, a power of two
     * @param partials L, a power of two
     * @param slots    S
     * @return the placement
     */
    static Placement compact(int m, int h, int partials, int slots) {
        if (m > h || (long) h * partials > slots || Integer.bitCount(partials) != 1) {
            throw new IllegalArgumentException("compact placement: " + m + " outputs, stride " + h + ", " + partials + " partials");
        }
        int[] c = new int[m];
        int[] s = new int[m];
        for (int o = 0; o < m; o++) {
            s[o] = o;
        }
        Representation out = partials == 1 ? new DenseLayout(m, slots)
                : new InterleavedLayout("first " + m + " slots", 1, slots, c, s, Representation.Fill.GARBAGE);
        return new Placement(partials == 1 ? "dense" : "compact " + partials + " x " + h, slots, 1, c, s, h, partials, out);
    }

    /**
     * Outputs dense over as many ciphertexts as they need, no partial sums.
     *
     * @param m     outputs
     * @param slots S
     * @return the placement
     */
    static Placement dense(int m, int slots) {
        DenseLayout d = new DenseLayout(m, slots);
        int[] c = new int[m];
        int[] s = new int[m];
        for (int o = 0; o < m; o++) {
            c[o] = d.ciphertext(o, 0);
            s[o] = d.slot(o, 0);
        }
        return new Placement("dense", slots, d.ciphertexts(), c, s, 1, 1, d);
    }

    /**
     * Outputs at explicit positions, no partial sums, zeros elsewhere.
     *
     * @param origin      a name for reports
     * @param ciphertexts the output ciphertexts
     * @param ct          each output's ciphertext
     * @param slot        each output's slot
     * @param slots       S
     * @return the placement
     */
    static Placement explicit(String origin, int ciphertexts, int[] ct, int[] slot, int slots) {
        Representation out = new InterleavedLayout(origin, ciphertexts, slots, ct, slot, Representation.Fill.ZERO);
        return new Placement(origin, slots, ciphertexts, ct.clone(), slot.clone(), 1, 1, out);
    }

    String name() {
        return name;
    }

    int slots() {
        return slots;
    }

    int outputs() {
        return ct.length;
    }

    int ciphertexts() {
        return ciphertexts;
    }

    int ciphertext(int o) {
        return ct[o];
    }

    int slot(int o) {
        return slot[o];
    }

    int stride() {
        return stride;
    }

    int partials() {
        return partials;
    }

    /** The representation after the fold. */
    Representation output() {
        return output;
    }
}
