package io.github.lola4j.lola;

/**
 * The dense representation: element i in slot i mod S of ciphertext i / S, zeros after the last element (LoLa's
 * output of vectorize; the client's plain image in LoLa-Dense).
 *
 * @param size  the number of elements
 * @param slots S
 */
public record DenseLayout(int size, int slots) implements Representation {
    /** Validates. */
    public DenseLayout {
        LayoutChecks.size("dense", size);
        LayoutChecks.slots(slots);
    }

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public int ciphertexts() {
        return (size + slots - 1) / slots;
    }

    @Override
    public int copies(int index) {
        return 1;
    }

    @Override
    public int ciphertext(int index, int copy) {
        return index / slots;
    }

    @Override
    public int slot(int index, int copy) {
        return index % slots;
    }

    @Override
    public Fill fill() {
        return Fill.ZERO;
    }

    @Override
    public String describe() {
        return "dense " + size + (ciphertexts() > 1 ? " in " + ciphertexts() + " cts" : "");
    }
}
