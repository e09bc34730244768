package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.util.Objects;

/**
 * A data set's training and test sets.
 *
 * @param dataset which data set
 * @param train   the training images
 * @param test    the test images
 */
public record Split(Dataset dataset, LabeledImages train, LabeledImages test) {

    /**
     * Checks the components.
     *
     * @param dataset the data set
     * @param train   the training images
     * @param test    the test images
     */
    public Split {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }

    @Override
    public String toString() {
        return dataset.displayName() + ": " + train + ", " + test;
    }
}
