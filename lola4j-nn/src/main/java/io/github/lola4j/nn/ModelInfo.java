package io.github.lola4j.nn;

import java.util.Objects;

/**
 * What a model file records besides its layers: where the model comes from and how to feed it.
 *
 * @param name            the model's name, e.g. {@code lola}; 1..200 characters
 * @param dataset         the data set it was trained on, e.g. {@code mnist}; 1..200 characters
 * @param normalization   input preprocessing: how a pixel value p (0..255) becomes an input value (the
 *                        MNIST models: {@code p/256}, LoLa's choice; CIFAR-10: per-channel
 *                        standardisation)
 * @param testAccuracy    accuracy on the data set's full test set as a fraction in [0, 1], measured
 *                        with the weights as stored; NaN when not measured
 * @param trainingCommand the command that reproduces the model (empty when unknown)
 * @param seed            the training seed (0 when unknown)
 */
public record ModelInfo(String name, String dataset, InputNormalization normalization, double testAccuracy,
        String trainingCommand, long seed) {

    /** LoLa's input scaling, p/256 (exact in binary floating point). */
    public static final double PIXEL_SCALE_256 = 1.0 / 256;

    /** The longest name or data set identifier accepted. */
    public static final int MAX_NAME_LENGTH = 200;

    /** The longest training command accepted. */
    public static final int MAX_COMMAND_LENGTH = 4000;

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the first bad field and its value
     */
    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(trainingCommand, "trainingCommand");
        Objects.requireNonNull(normalization, "normalization");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("model info: name must have 1.." + MAX_NAME_LENGTH + " characters, got '"
                    + name + "'");
        }
        if (dataset.isEmpty() || dataset.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("model info: dataset must have 1.." + MAX_NAME_LENGTH
                    + " characters, got '" + dataset + "'");
        }
        if (!Double.isNaN(testAccuracy) && !(testAccuracy >= 0 && testAccuracy <= 1)) {
            throw new IllegalArgumentException("model info: testAccuracy must be NaN or in [0, 1], got " + testAccuracy);
        }
        if (trainingCommand.length() > MAX_COMMAND_LENGTH) {
            throw new IllegalArgumentException("model info: trainingCommand longer than " + MAX_COMMAND_LENGTH
                    + " characters");
        }
    }

    /**
     * Metadata whose input preprocessing is one pixel scale ({@link InputNormalization#pixelScale}).
     *
     * @param name            the name
     * @param dataset         the data set identifier
     * @param pixelScale      pixel p becomes {@code p * pixelScale}; finite and positive
     * @param testAccuracy    the accuracy, or NaN
     * @param trainingCommand the command, or empty
     * @param seed            the seed, or 0
     */
    public ModelInfo(String name, String dataset, double pixelScale, double testAccuracy, String trainingCommand,
            long seed) {
        this(name, dataset, InputNormalization.pixelScale(pixelScale), testAccuracy, trainingCommand, seed);
    }

    /**
     * Metadata for an untrained or hand-made network: no accuracy, no command, seed 0.
     *
     * @param name       the name
     * @param dataset    the data set identifier
     * @param pixelScale the input pixel scale
     * @return the metadata
     */
    public static ModelInfo untrained(String name, String dataset, double pixelScale) {
        return new ModelInfo(name, dataset, pixelScale, Double.NaN, "", 0);
    }

    /**
     * Metadata for an untrained network with any input normalization.
     *
     * @param name          the name
     * @param dataset       the data set identifier
     * @param normalization the input preprocessing
     * @return the metadata
     */
    public static ModelInfo untrained(String name, String dataset, InputNormalization normalization) {
        return new ModelInfo(name, dataset, normalization, Double.NaN, "", 0);
    }

    /**
     * This metadata with another input normalization.
     *
     * @param n the normalization
     * @return a new record
     */
    public ModelInfo withNormalization(InputNormalization n) {
        return new ModelInfo(name, dataset, n, testAccuracy, trainingCommand, seed);
    }

    /**
     * This metadata with another accuracy.
     *
     * @param accuracy the measured accuracy, or NaN
     * @return a new record
     */
    public ModelInfo withTestAccuracy(double accuracy) {
        return new ModelInfo(name, dataset, normalization, accuracy, trainingCommand, seed);
    }

    /**
     * This metadata with another training command and seed.
     *
     * @param command the command
     * @param seed    the seed
     * @return a new record
     */
    public ModelInfo withTraining(String command, long seed) {
        return new ModelInfo(name, dataset, normalization, testAccuracy, command, seed);
    }

    /**
     * This metadata with another name.
     *
     * @param newName the name
     * @return a new record
     */
    public ModelInfo withName(String newName) {
        return new ModelInfo(newName, dataset, normalization, testAccuracy, trainingCommand, seed);
    }
}
