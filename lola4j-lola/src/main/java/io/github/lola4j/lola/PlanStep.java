package io.github.lola4j.lola;

import java.util.Set;

/**
 * One step of a plan as simulated with its parameters: the choice, the kernel (null for the
 * client's input layout and for identity stages), the layers it runs, levels and scales in and
 * out, the operations it performs and their predicted time. Immutable.
 */
final class PlanStep {

    final Choice choice;
    final Kernel kernel;
    final String layers;
    final Representation in;
    final Representation out;
    final int levelIn;
    final int levelOut;
    final double scaleIn;
    final double scaleOut;
    final OpCounts counts;
    final Set<Integer> rotationSteps;
    final boolean relinearization;
    final double seconds;
    final double alphaOut;
    final double betaOut;

    PlanStep(Choice choice, Kernel kernel, String layers, Representation in, Representation out, int levelIn, int levelOut,
            double scaleIn, double scaleOut, OpCounts counts, Set<Integer> rotationSteps, boolean relinearization, double seconds,
            double alphaOut, double betaOut) {
        this.choice = choice;
        this.kernel = kernel;
        this.layers = layers;
        this.in = in;
        this.out = out;
        this.levelIn = levelIn;
        this.levelOut = levelOut;
        this.scaleIn = scaleIn;
        this.scaleOut = scaleOut;
        this.counts = counts;
        this.rotationSteps = Set.copyOf(rotationSteps);
        this.relinearization = relinearization;
        this.seconds = seconds;
        this.alphaOut = alphaOut;
        this.betaOut = betaOut;
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
