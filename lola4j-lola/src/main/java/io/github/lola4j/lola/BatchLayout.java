package io.github.lola4j.lola;

/**
 * SIMD batch (CryptoNets): one ciphertext per feature, image b in slot b. Element
 * {@code b * features + f} is feature f of image b.
 *
 * @param features the values per image (= ciphertexts)
 * @param batch    the images, at most S
 * @param slots    S
 */
public record BatchLayout(int features, int batch, int slots) implements Representation {
    /** Validates. */
    public BatchLayout {
        LayoutChecks.size("batch", features);
        LayoutChecks.slots(slots);
        if (batch < 1 || batch > slots) {
            throw new IllegalArgumentException("batch: " + batch + " images do not fit " + slots + " slots");
        }
    }

    @Override
    public String kind() {
        return "batch";
    }

    @Override
    public int size() {
        return features * batch;
    }

    @Override
    public int ciphertexts() {
        return features;
    }

    @Override
    public int copies(int index) {
        return 1;
    }

    @Override
    public int ciphertext(int index, int copy) {
        return index % features;
    }

    @Override
    public int slot(int index, int copy) {
        return index / features;
    }

    /** Garbage: the slots past the batch are never read, so kernels add constants to every slot. */
    @Override
    public Fill fill() {
        return Fill.GARBAGE;
    }

    @Override
    public String describe() {
        return "batch " + features + " features x " + batch + " images";
    }
}
