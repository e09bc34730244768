package io.github.lola4j.lola;

import java.util.Set;

/**
 * One step of a plan as simulated with its parameters. Immutable.
 *
 * @param choice          what the search chose
 * @param kernel          the kernel, null for the client's input layout and for identity stages
 * @param layers          the layers it runs, for reports
 * @param in              the representation it reads
 * @param out             the representation it writes
 * @param start           level and scale of its input
 * @param end             level and scale of its output
 * @param pending         the affine map {@code alpha x + beta} its output still owes, folded into the
 *                        next linear kernel (an activation's output is {@code x^2} scaled and shifted
 *                        lazily)
 * @param counts          the operations it performs
 * @param rotationSteps   the rotations it needs keys for
 * @param relinearization whether it needs the relinearization key
 * @param seconds         its predicted time (the cost model on {@code counts})
 */
record PlanStep(Choice choice, Kernel kernel, String layers, Representation in, Representation out, At start, At end,
        Pending pending, OpCounts counts, Set<Integer> rotationSteps, boolean relinearization, double seconds) {

    /** Where a value stands in the modulus chain: its level and its scale. */
    record At(int level, double scale) {
    }

    /** A pending affine map {@code alpha x + beta} on the values of a representation. */
    record Pending(double alpha, double beta) {
        /** Nothing pending: {@code 1 x + 0}. */
        static final Pending NONE = new Pending(1, 0);
    }

    PlanStep {
        rotationSteps = Set.copyOf(rotationSteps);
    }

    /**
     * A step that moves nothing: the client's input layout, or an identity stage.
     *
     * @param choice  the choice
     * @param layers  the layers, for reports
     * @param repr    the representation it reads and writes
     * @param at      its level and scale
     * @param pending what stays pending across it
     * @return the step, with no operation, key or time
     */
    static PlanStep passThrough(Choice choice, String layers, Representation repr, At at, Pending pending) {
        return new PlanStep(choice, null, layers, repr, repr, at, at, pending, new OpCounts(), Set.of(), false, 0);
    }

    /** A one-line description of what the step does. */
    String describe() {
        if (kernel != null) {
            return kernel.describe();
        }
        if (choice.isClientLayout()) {
            return "client input: " + out.describe();
        }
        return "identity " + layers;
    }
}
