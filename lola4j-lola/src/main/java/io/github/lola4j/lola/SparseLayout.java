package io.github.lola4j.lola;

/**
 * The sparse representation: element i fills every slot of ciphertext i (LoLa's output of a row-major dense layer).
 *
 * @param size  the number of elements (= ciphertexts)
 * @param slots S
 */
public record SparseLayout(int size, int slots) implements Representation {
    /** Validates. */
    public SparseLayout {
        LayoutChecks.size("sparse", size);
        LayoutChecks.slots(slots);
    }

    @Override
    public String kind() {
        return "sparse";
    }

    @Override
    public int ciphertexts() {
        return size;
    }

    @Override
    public int copies(int index) {
        return slots;
    }

    @Override
    public int ciphertext(int index, int copy) {
        return index;
    }

    @Override
    public int slot(int index, int copy) {
        return copy;
    }

    @Override
    public Fill fill() {
        return Fill.ZERO;
    }

    @Override
    public String describe() {
        return "sparse " + size;
    }
}
