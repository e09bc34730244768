package io.github.lola4j.lola;

/**
 * Builds the kernel a {@link Choice} names, deterministically: the compiler and a plan read back
 * from a file construct identical kernels from the same network and choices.
 */
final class KernelFactory {

    /**
     * The most diagonals a diagonal kernel may have before the compiler drops it as too costly:
     * four input ciphertexts of 4,096 slots (a large convolution at N = 8192, where products and
     * rotations are a quarter of their N = 32768 cost; the cost model decides which wins).
     */
    static final int MAX_DIAGONALS = 16384;

    private KernelFactory() {
    }

    /**
     * The client's input layout a client-layout choice names.
     *
     * @param c     the choice
     * @param size  the input size
     * @param slots S
     * @return the representation
     */
    static Representation clientLayout(Choice c, int size, int slots) {
        switch (c.kind()) {
            case Choice.CLIENT_DENSE:
                return new DenseLayout(size, slots);
            case Choice.CLIENT_STACKED:
                return new StackedLayout(size, Kernel.nextPow2(size), c.arg(0), slots);
            case Choice.CLIENT_BATCH:
                return new BatchLayout(size, c.arg(0), slots);
            default:
                throw new IllegalArgumentException("not a client layout: " + c);
        }
    }

    /**
     * The kernel of a choice.
     *
     * @param c          the choice
     * @param st         the stage it runs (null for a conversion)
     * @param in         the input representation (null for a first kernel that defines the client's layout)
     * @param alpha      the input's pending factor
     * @param beta       the input's pending offset
     * @param slots      S
     * @param hoistRatio the relative cost of a hoisted rotation (used only when the choice leaves n1 open)
     * @return the kernel, or null when it does not apply to that input
     */
    static Kernel build(Choice c, Stage st, Representation in, double alpha, double beta, int slots, double hoistRatio) {
        return build(c, st, in, alpha, beta, slots, hoistRatio, MAX_DIAGONALS);
    }

    /**
     * The kernel of a choice, giving up on a diagonal kernel with more diagonals than a limit (the
     * compiler's bound: more would cost more than a plan it already has).
     *
     * @param c            the choice
     * @param st           the stage
     * @param in           the input representation
     * @param alpha        the pending factor
     * @param beta         the pending offset
     * @param slots        S
     * @param hoistRatio   the relative cost of a hoisted rotation
     * @param maxDiagonals the limit
     * @return the kernel, or null
     */
    static Kernel build(Choice c, Stage st, Representation in, double alpha, double beta, int slots, double hoistRatio,
            int maxDiagonals) {
        switch (c.kind()) {
            case Choice.GATHER:
                return GatherKernel.plan(st.label, st.map, slots, c.arg(0));
            case Choice.SCALAR_CONVOLUTION:
                return st.conv == null ? null : ScalarConvolutionKernel.plan(st.label, st.conv, st.in, slots);
            case Choice.DIAGONAL: {
                Placement p = placement(c, st.map.outputs(), slots);
                DiagonalKernel k = p == null ? null
                        : DiagonalKernel.plan(st.label, st.map, in, alpha, beta, p, hoistRatio, c.arg(3), maxDiagonals);
                return k != null && c.args().length > 4 && c.arg(4) == 1 ? k.rescalingFirst() : k;
            }
            case Choice.ROW_MAJOR:
                return RowMajorKernel.plan(st.label, st.map, in, alpha, beta);
            case Choice.PACKED_DENSE:
                return PackedDenseKernel.plan(st.label, st.map, in, alpha, beta);
            case Choice.SUM_POOL:
                return st.pool == null ? null : SumPoolKernel.plan(st.pool, st.in, in, alpha, beta);
            case Choice.ACTIVATION:
                // In the batch representation the next linear layer relinearizes and rescales its
                // (fewer) outputs; the pair is decided by the stages alone, so both sides agree.
                return new ActivationKernel(st.label, in, alpha, beta, st.a, st.b, st.c,
                        in instanceof BatchLayout && st.beforeLinear);
            case Choice.BATCH_LINEAR:
                return in instanceof BatchLayout b
                        ? new BatchLinearKernel(st.label, st.map, b, alpha, beta, st.afterActivation) : null;
            case Choice.VECTORIZE:
                return VectorizeKernel.plan(in, alpha, beta);
            case Choice.REPLICATE:
                return ReplicateKernel.plan(in, alpha, beta, c.arg(0));
            case Choice.INTERLEAVE:
                return interleave(in, alpha, beta, c.arg(0));
            case Choice.MASK:
                return mask(in, alpha, beta);
            default:
                throw new IllegalArgumentException("unknown kernel kind '" + c.kind() + "'");
        }
    }

    /** The placement of a diagonal choice, or null when its parameters do not fit. */
    static Placement placement(Choice c, int m, int slots) {
        try {
            switch (c.arg(0)) {
                case Choice.STACKED:
                    return Placement.stacked(m, c.arg(1), slots);
                case Choice.BLOCKED:
                    return Placement.blocked(m, c.arg(1), slots);
                case Choice.COMPACT:
                    return Placement.compact(m, c.arg(1), c.arg(2), slots);
                case Choice.DENSE:
                    return Placement.dense(m, slots);
                default:
                    throw new IllegalArgumentException("unknown placement code " + c.arg(0));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Zeros every slot but the elements' first copies (one product by a 0/1 mask, one level), so
     * that the output reveals the scores and nothing of the partial sums beside them.
     */
    private static Kernel mask(Representation in, double alpha, double beta) {
        int n = in.size();
        int[] ct = new int[n];
        int[] sl = new int[n];
        for (int i = 0; i < n; i++) {
            ct[i] = in.ciphertext(i, 0);
            sl[i] = in.slot(i, 0);
        }
        Placement p = Placement.explicit("masked", in.ciphertexts(), ct, sl, in.slots());
        return DiagonalKernel.plan("mask", AffineMap.identity(n), in, alpha, beta, p, 1.0, 1, in.ciphertexts());
    }

    /**
     * LoLa's interleave (kernel 9), as a masked gather: every element of a several-ciphertext
     * input moves to one ciphertext, ciphertext k rotated left by k (the element at slot s goes to
     * s - k), masks merged into the products; one level. Null when two elements would collide.
     */
    private static Kernel interleave(Representation in, double alpha, double beta, int babySteps) {
        if (in.ciphertexts() < 2) {
            return null;
        }
        int n = in.size();
        int slots = in.slots();
        int[] ct = new int[n];
        int[] sl = new int[n];
        java.util.HashSet<Integer> used = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            sl[i] = Math.floorMod(in.slot(i, 0) - in.ciphertext(i, 0), slots);
            if (!used.add(sl[i])) {
                return null;
            }
        }
        Placement p = Placement.explicit("interleaved", 1, ct, sl, slots);
        return DiagonalKernel.plan("interleave", AffineMap.identity(n), in, alpha, beta, p, 1.0, babySteps, in.ciphertexts());
    }
}
