package io.github.lola4j.nn;

import java.util.List;

/**
 * The network geometries of LoLa (Brutzkus, Elisha, Gilad-Bachrach, ICML 2019), untrained.
 *
 * <p>The MNIST networks take {@code 1x28x28}, pixels scaled by 1/256 (LoLa's convention);
 * {@link #LOLA_CIFAR} takes CIFAR-10's {@code 3x32x32}, standardised per channel (the trainer
 * fits the means and deviations on the training set and records them in the model).
 */
public enum Architecture {

    /**
     * The CryptoNets/LoLa network: conv 5x5 stride 2 with one zero row at the bottom and one zero
     * column at the right, 5 maps ({@code 5x13x13} = 845) -> square -> flatten -> dense 845->100
     * -> square -> dense 100->10.
     */
    LOLA("lola"),

    /** LoLa-Small: the same convolution -> square -> flatten -> dense 845->10. */
    LOLA_SMALL("lola-small"),

    /**
     * LoLaLarge (the authors' code only): conv 8x8 stride 2, padding 1 on every side, 83 maps
     * ({@code 83x12x12}) -> square -> conv 6x6 stride 2, 163 maps ({@code 163x4x4} = 2608) -> square
     * -> flatten -> dense 2608->10.
     */
    LOLA_LARGE("lola-large"),

    /**
     * The CIFAR-10 network of the paper (the authors' code, LOLA.md 4.1): input {@code 3x32x32}
     * padded by 1 on every side -> conv 8x8 stride 2, 83 maps ({@code 83x14x14}) -> square -> conv
     * 6x6 stride 2, 163 maps ({@code 163x5x5} = 4075) -> square -> flatten -> dense 4075->10.
     */
    LOLA_CIFAR("lola-cifar");

    /** MNIST's input shape. */
    public static final Shape MNIST_INPUT = Shape.of(1, 28, 28);

    /** CIFAR-10's input shape. */
    public static final Shape CIFAR_INPUT = Shape.of(3, 32, 32);

    private final String id;

    Architecture(String id) {
        this.id = id;
    }

    /**
     * The name used on the command line and for the shipped model: {@code lola}, {@code lola-small},
     * {@code lola-large}, {@code lola-cifar}.
     */
    public String id() {
        return id;
    }

    /**
     * The layers with all parameters zero.
     *
     * @return the layers, first to last
     */
    public List<Layer> layers() {
        Conv2d lolaConv = Conv2d.zeros(Conv2d.Geometry.square(1, 5, 5, 2, 0, 1, 0, 1));
        switch (this) {
            case LOLA:
                return List.of(lolaConv, Square.INSTANCE, Flatten.INSTANCE, Dense.zeros(845, 100), Square.INSTANCE,
                        Dense.zeros(100, 10));
            case LOLA_SMALL:
                return List.of(lolaConv, Square.INSTANCE, Flatten.INSTANCE, Dense.zeros(845, 10));
            case LOLA_LARGE:
                return List.of(Conv2d.zeros(Conv2d.Geometry.square(1, 83, 8, 2, 1, 1, 1, 1)), Square.INSTANCE,
                        Conv2d.zeros(Conv2d.Geometry.square(83, 163, 6, 2, 0, 0, 0, 0)), Square.INSTANCE,
                        Flatten.INSTANCE, Dense.zeros(2608, 10));
            case LOLA_CIFAR:
                return List.of(Conv2d.zeros(Conv2d.Geometry.square(3, 83, 8, 2, 1, 1, 1, 1)), Square.INSTANCE,
                        Conv2d.zeros(Conv2d.Geometry.square(83, 163, 6, 2, 0, 0, 0, 0)), Square.INSTANCE,
                        Flatten.INSTANCE, Dense.zeros(4075, 10));
            default:
                throw new IllegalStateException("unhandled architecture " + this);
        }
    }

    /** The input shape: {@link #MNIST_INPUT}, or {@link #CIFAR_INPUT} for {@link #LOLA_CIFAR}. */
    public Shape inputShape() {
        return this == LOLA_CIFAR ? CIFAR_INPUT : MNIST_INPUT;
    }

    /** The data set the architecture is meant for: {@code mnist}, or {@code cifar10} for {@link #LOLA_CIFAR}. */
    public String defaultDataset() {
        return this == LOLA_CIFAR ? "cifar10" : "mnist";
    }

    /**
     * The untrained network (all parameters zero), input pixels scaled by 1/256.
     *
     * @param dataset the data set identifier recorded in the metadata, e.g. {@code mnist}
     * @return the network, named {@link #id()}, pixel scale 1/256
     */
    public Network untrained(String dataset) {
        return untrained(dataset, InputNormalization.pixelScale(ModelInfo.PIXEL_SCALE_256));
    }

    /**
     * The untrained network (all parameters zero) with a given input normalization.
     *
     * @param dataset       the data set identifier recorded in the metadata
     * @param normalization the input preprocessing
     * @return the network, named {@link #id()}
     */
    public Network untrained(String dataset, InputNormalization normalization) {
        return Network.of(inputShape(), layers(), ModelInfo.untrained(id, dataset, normalization));
    }

    /**
     * Looks an architecture up by its {@link #id()}.
     *
     * @param id {@code lola}, {@code lola-small}, {@code lola-large} or {@code lola-cifar}
     * @return the architecture
     * @throws IllegalArgumentException naming the accepted values when {@code id} is unknown
     */
    public static Architecture byId(String id) {
        for (Architecture a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "', expected lola, lola-small, lola-large or lola-cifar");
    }
}
