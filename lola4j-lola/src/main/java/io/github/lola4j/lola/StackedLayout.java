package io.github.lola4j.lola;

/**
 * The stacked representation: one ciphertext holding {@code copies} copies of the vector, copy j at slots
 * [j * period, j * period + size), zeros in between (LoLa's stacked representation, and the
 * input a period-replicated diagonal product needs).
 *
 * @param size   the number of elements, at most the period
 * @param period the block of each copy
 * @param copies the number of copies, period * copies &le; S
 * @param slots  S
 */
public record StackedLayout(int size, int period, int copies, int slots) implements Representation {
    /** Validates. */
    public StackedLayout {
        LayoutChecks.size("stacked", size);
        LayoutChecks.slots(slots);
        if (period < size || copies < 1 || (long) period * copies > slots) {
            throw new IllegalArgumentException("stacked: " + copies + " copies of period " + period + " for " + size
                    + " elements do not fit " + slots + " slots");
        }
    }

    @Override
    public String kind() {
        return "stacked";
    }

    @Override
    public int ciphertexts() {
        return 1;
    }

    @Override
    public int copies(int index) {
        return copies;
    }

    @Override
    public int ciphertext(int index, int copy) {
        return 0;
    }

    @Override
    public int slot(int index, int copy) {
        return copy * period + index;
    }

    @Override
    public Fill fill() {
        return Fill.ZERO;
    }

    @Override
    public String describe() {
        return "stacked " + size + " in " + copies + " x " + period;
    }
}
