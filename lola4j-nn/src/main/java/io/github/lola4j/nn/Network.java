package io.github.lola4j.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An immutable feed-forward network: an input shape, a list of {@link Layer}s and its
 * {@link ModelInfo}.
 *
 * <p>The constructor checks that each layer accepts the previous one's output, so every network
 * that exists is runnable. {@link #layers()} with {@link #inputShape(int)} and
 * {@link #outputShape(int)} give a compiler each layer's geometry and weights. Instances are
 * thread-safe: {@link #forward(double[])} allocates its own scratch arrays.
 */
public final class Network {
    private final Shape input;
    private final List<Layer> layers;
    private final Shape[] shapes;
    private final ModelInfo info;

    private Network(Shape input, List<Layer> layers, Shape[] shapes, ModelInfo info) {
        this.input = input;
        this.layers = layers;
        this.shapes = shapes;
        this.info = info;
    }

    /**
     * Creates a network.
     *
     * @param input  the input shape, e.g. {@code 1x28x28}
     * @param layers the layers, first to last (at least one)
     * @param info   the metadata
     * @return the network
     * @throws IllegalArgumentException when there is no layer or a layer cannot take its
     *                                  predecessor's output (naming the layer's position and kind)
     */
    public static Network of(Shape input, List<? extends Layer> layers, ModelInfo info) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(info, "info");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("network: needs at least one layer");
        }
        InputNormalization norm = info.normalization();
        if (norm.channels() != 1 && (input.rank() != 3 || input.dim(0) != norm.channels())) {
            throw new IllegalArgumentException("network: the input normalization describes " + norm.channels()
                    + " channels, the input is " + input);
        }
        List<Layer> copy = List.copyOf(layers);
        Shape[] shapes = new Shape[copy.size() + 1];
        shapes[0] = input;
        for (int i = 0; i < copy.size(); i++) {
            try {
                shapes[i + 1] = copy.get(i).outputShape(shapes[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("network: layer " + i + " (" + copy.get(i).kind() + ") cannot take "
                        + (i == 0 ? "the input" : "layer " + (i - 1) + "'s output") + ": " + e.getMessage(), e);
            }
        }
        return new Network(input, copy, shapes, info);
    }

    /**
     * Reads a model file (see {@link ModelFormat}).
     *
     * @param file the file
     * @return the network
     * @throws IOException when the file cannot be read or is malformed (the message says how)
     */
    public static Network load(Path file) throws IOException {
        return ModelFormat.read(file);
    }

    /**
     * Writes this network to a model file, losslessly: weights are stored as float32 when every
     * one is exactly a float, else as float64.
     *
     * @param file the file to create or replace
     * @throws IOException when it cannot be written
     */
    public void save(Path file) throws IOException {
        ModelFormat.write(this, file, ModelFormat.WeightEncoding.lossless(this));
    }

    /**
     * Writes this network to a model file with the given weight encoding (float32 rounds).
     *
     * @param file     the file to create or replace
     * @param encoding how weights are stored
     * @throws IOException when it cannot be written
     */
    public void save(Path file, ModelFormat.WeightEncoding encoding) throws IOException {
        ModelFormat.write(this, file, encoding);
    }

    /** The metadata. */
    public ModelInfo info() {
        return info;
    }

    /**
     * This network with other metadata.
     *
     * @param newInfo the metadata
     * @return a new network sharing the layers
     */
    public Network withInfo(ModelInfo newInfo) {
        return new Network(input, layers, shapes, Objects.requireNonNull(newInfo, "info"));
    }

    /** The input shape. */
    public Shape inputShape() {
        return input;
    }

    /** The output shape (the last layer's). */
    public Shape outputShape() {
        return shapes[shapes.length - 1];
    }

    /** The layers, first to last (an unmodifiable view; layers are immutable). */
    public List<Layer> layers() {
        return layers;
    }

    /**
     * The shape layer {@code i} receives.
     *
     * @param i the layer index
     * @return its input shape
     * @throws IndexOutOfBoundsException when {@code i} is not a layer index
     */
    public Shape inputShape(int i) {
        Objects.checkIndex(i, layers.size());
        return shapes[i];
    }

    /**
     * The shape layer {@code i} produces.
     *
     * @param i the layer index
     * @return its output shape
     * @throws IndexOutOfBoundsException when {@code i} is not a layer index
     */
    public Shape outputShape(int i) {
        Objects.checkIndex(i, layers.size());
        return shapes[i + 1];
    }

    /** The total number of parameters. */
    public int parameterCount() {
        int n = 0;
        for (Layer l : layers) {
            n += l.parameterCount();
        }
        return n;
    }

    /**
     * Runs the network.
     *
     * @param x the input, {@code inputShape().size()} values (not modified)
     * @return the output (for a classifier: one score per class)
     * @throws IllegalArgumentException when {@code x} has the wrong length
     */
    public double[] forward(double[] x) {
        double[][] acts = activations(x);
        return acts[acts.length - 1];
    }

    /**
     * Runs the network.
     *
     * @param x the input, of shape {@link #inputShape()}
     * @return the output
     * @throws IllegalArgumentException when {@code x} has another shape
     */
    public Tensor forward(Tensor x) {
        if (!x.shape().equals(input)) {
            throw new IllegalArgumentException("network: input must be " + input + ", got " + x.shape());
        }
        return Tensor.wrap(outputShape(), forward(x.dataNoCopy()));
    }

    /**
     * Runs the network and keeps every intermediate result.
     *
     * @param x the input (not modified)
     * @return {@code layers().size() + 1} arrays: the input (a copy), then each layer's output
     * @throws IllegalArgumentException when {@code x} has the wrong length
     */
    public double[][] activations(double[] x) {
        if (x.length != input.size()) {
            throw new IllegalArgumentException("network: input must have " + input.size() + " values (" + input
                    + "), got " + x.length);
        }
        double[][] acts = new double[layers.size() + 1][];
        acts[0] = x.clone();
        for (int i = 0; i < layers.size(); i++) {
            acts[i + 1] = new double[shapes[i + 1].size()];
            Layer l = layers.get(i);
            l.forward(shapes[i], l.parameters(), acts[i], acts[i + 1]);
        }
        return acts;
    }

    /**
     * The predicted class: the index of the largest output.
     *
     * @param x the input
     * @return the class
     */
    public int predict(double[] x) {
        return Tensor.argmax(forward(x));
    }

    /**
     * One image of a data set, preprocessed for this network ({@link ModelInfo#normalization()}).
     *
     * @param images the data set
     * @param index  the image index
     * @return the input, {@code inputShape().size()} values
     * @throws IllegalArgumentException when the images do not fit the input shape {@code channels x rows x cols}
     */
    public double[] input(LabeledImages images, int index) {
        requireCompatible(images);
        return info.normalization().apply(images, index);
    }

    /**
     * One image given as pixel values in a stated range, preprocessed for this network: the
     * model's normalization applied by {@link InputNormalization#apply(double[], Shape, double)}.
     *
     * @param pixels   channel-major, {@code inputShape().size()} values in [0, {@code pixelMax}]
     * @param pixelMax the value that stands for a full pixel (255):
     *                 {@link InputNormalization#BYTE_PIXELS} for 0..255 values,
     *                 {@link InputNormalization#UNIT_PIXELS} for [0, 1] as {@code p / 255}
     * @return the input, {@code inputShape().size()} values
     * @throws IllegalArgumentException when the input is not an image, the length differs, a value
     *                                  is not finite or out of range (naming its index), or
     *                                  {@code pixelMax} is not finite and positive
     */
    public double[] input(double[] pixels, double pixelMax) {
        return info.normalization().apply(pixels, input, pixelMax);
    }

    /**
     * Whether the images fit this network's input {@code channels x rows x cols}.
     *
     * @param images the data set
     * @return true when {@link #requireCompatible} would pass
     */
    public boolean fits(LabeledImages images) {
        return input.rank() == 3 && input.dim(0) == images.channels() && input.dim(1) == images.rows()
                && input.dim(2) == images.cols();
    }

    /**
     * Fails unless the images fit this network's input {@code channels x rows x cols}.
     *
     * @param images the data set
     * @throws IllegalArgumentException naming both shapes
     */
    public void requireCompatible(LabeledImages images) {
        if (!fits(images)) {
            throw new IllegalArgumentException("network input " + input + " does not fit " + images.name() + " images of "
                    + images.channels() + "x" + images.rows() + "x" + images.cols());
        }
    }

    /**
     * This network with every parameter rounded to the nearest float (what a float32 model file stores).
     *
     * @return a new network with the same metadata
     */
    public Network roundedToFloat() {
        List<Layer> out = new ArrayList<>(layers.size());
        for (Layer l : layers) {
            double[] p = l.parameters().clone();
            for (int k = 0; k < p.length; k++) {
                p[k] = (float) p[k];
            }
            out.add(l.withParameters(p));
        }
        return new Network(input, Collections.unmodifiableList(out), shapes, info);
    }

    /**
     * A multi-line summary: one line per layer with its output shape and parameter count.
     *
     * @return the summary
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(info.name()).append(" (").append(info.dataset()).append("), input ").append(input)
                .append(", ").append(parameterCount()).append(" parameters\n");
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            sb.append(String.format("  %d  %-50s -> %-10s %8d params%n", i, l, shapes[i + 1], l.parameterCount()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Network[" + info.name() + ", " + input + " -> " + outputShape() + ", " + layers.size() + " layers]";
    }
}
