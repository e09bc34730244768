package io.github.lola4j.lola;

/** The argument checks the representations share. */
final class LayoutChecks {

    private LayoutChecks() {
    }

    /** Slots must be a power of two (N/2 for a power-of-two N). */
    static void slots(int slots) {
        if (slots < 1 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
    }

    /** A representation lays out at least one element. */
    static void size(String kind, int size) {
        if (size < 1) {
            throw new IllegalArgumentException(kind + ": size must be positive, got " + size);
        }
    }
}
