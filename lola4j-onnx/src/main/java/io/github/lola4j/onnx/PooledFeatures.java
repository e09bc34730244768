package io.github.lola4j.onnx;

import java.io.IOException;

/**
 * A pretrained network's activations as features: the graph run up to one value, its spatial
 * positions averaged (a value of shape C x H x W gives C features), optionally scaled to unit
 * Euclidean length. This is the client-side extractor of the deep-features setting (LoLa's
 * CalTech-101 row): SqueezeNet 1.1's last Fire module, pooled, gives 512 features.
 * Immutable and safe to share between threads.
 */
public final class PooledFeatures {

    private final OnnxGraph graph;
    private final int channels;
    private final int positions;
    private final boolean unitLength;

    private PooledFeatures(OnnxGraph graph, boolean unitLength) {
        this.graph = graph;
        int[] d = graph.outputDims();
        this.channels = d[0];
        this.positions = OnnxGraph.size(d) / d[0];
        this.unitLength = unitLength;
    }

    /**
     * The features of one value of a graph.
     *
     * @param graph      the whole network (for instance from {@link OnnxGraph#load})
     * @param value      the value's name, or the name of the node computing it
     * @param unitLength whether to scale each feature vector to Euclidean length 1
     * @return the extractor: the nodes the value needs, then the spatial mean
     * @throws IOException when no value or node has that name
     */
    public static PooledFeatures of(OnnxGraph graph, String value, boolean unitLength) throws IOException {
        return new PooledFeatures(graph.upTo(value), unitLength);
    }

    /** The number of features: the value's channels. */
    public int dimension() {
        return channels;
    }

    /** The graph evaluated (up to the value). */
    public OnnxGraph graph() {
        return graph;
    }

    /** Whether feature vectors are scaled to length 1. */
    public boolean unitLength() {
        return unitLength;
    }

    /**
     * The features of one input.
     *
     * @param input the network's input (see {@link OnnxGraph#run})
     * @return {@link #dimension()} values: each channel's mean over its positions, scaled to unit
     *         length if asked (a zero vector stays zero)
     */
    public double[] extract(double[] input) {
        double[] v = graph.run(input);
        double[] f = new double[channels];
        double norm = 0;
        for (int c = 0; c < channels; c++) {
            double s = 0;
            for (int i = c * positions; i < (c + 1) * positions; i++) {
                s += v[i];
            }
            f[c] = s / positions;
            norm += f[c] * f[c];
        }
        if (unitLength && norm > 0) {
            double inv = 1 / Math.sqrt(norm);
            for (int c = 0; c < channels; c++) {
                f[c] *= inv;
            }
        }
        return f;
    }
}
