package io.github.lola4j.lola;

import java.util.Arrays;

/**
 * One decision of a plan: which kernel runs a stage (or which conversion follows it) and with what
 * parameters. Rebuilding a plan from its network and its choices gives the same kernels, so a plan
 * file stores choices, not diagonals. Immutable.
 *
 * @param kind the kernel kind
 * @param args its integer parameters
 */
record Choice(String kind, int[] args) {

    static final String CLIENT_DENSE = "client-dense";
    static final String CLIENT_STACKED = "client-stacked";
    static final String CLIENT_BATCH = "client-batch";
    static final String GATHER = "gather";
    static final String SCALAR_CONVOLUTION = "scalar-convolution";
    static final String DIAGONAL = "diagonal";
    static final String ROW_MAJOR = "row-major";
    static final String PACKED_DENSE = "packed-dense";
    static final String SUM_POOL = "sum-pool";
    static final String ACTIVATION = "activation";
    static final String BATCH_LINEAR = "batch-linear";
    static final String VECTORIZE = "vectorize";
    static final String REPLICATE = "replicate";
    static final String INTERLEAVE = "interleave";
    static final String IDENTITY = "identity";
    static final String MASK = "mask";

    /**
     * Placement codes of a diagonal kernel (args[0]; args[1], args[2] its parameters, args[3] the
     * baby-step size, args[4] 1 when giant groups are rescaled before their rotation).
     */
    static final int STACKED = 0;
    static final int BLOCKED = 1;
    static final int COMPACT = 2;
    static final int DENSE = 3;

    Choice {
        if (kind == null || kind.isEmpty() || !kind.matches("[a-z-]+")) {
            throw new IllegalArgumentException("choice: bad kind '" + kind + "'");
        }
        args = args.clone();
    }

    static Choice of(String kind, int... args) {
        return new Choice(kind, args);
    }

    int arg(int i) {
        return args[i];
    }

    /** Whether the choice only fixes the client's input layout (no server work). */
    boolean isClientLayout() {
        return kind.startsWith("client-");
    }

    /** {@code kind:a,b,c}, what a plan file stores. */
    String encode() {
        StringBuilder sb = new StringBuilder(kind).append(':');
        for (int i = 0; i < args.length; i++) {
            sb.append(i > 0 ? "," : "").append(args[i]);
        }
        return sb.toString();
    }

    /**
     * Parses {@link #encode()}'s form.
     *
     * @param s the text
     * @return the choice
     * @throws IllegalArgumentException when malformed
     */
    static Choice decode(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("choice: expected 'kind:args', got '" + s + "'");
        }
        String rest = s.substring(colon + 1);
        int[] a = rest.isEmpty() ? new int[0] : Arrays.stream(rest.split(",")).mapToInt(Integer::parseInt).toArray();
        return new Choice(s.substring(0, colon), a);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Choice c && c.kind.equals(kind) && Arrays.equals(c.args, args);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(args);
    }

    @Override
    public String toString() {
        return encode();
    }
}
