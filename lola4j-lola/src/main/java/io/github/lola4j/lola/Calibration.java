package io.github.lola4j.lola;

import io.github.lola4j.format.Progress;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The value ranges of a network on calibration inputs. */
final class Calibration {
    final List<double[]> inputs;
    final double[] layerMax; // per layer output
    final boolean synthetic;
    /** The smallest gap between the largest and the second largest score, over the inputs (NaN for one output). */
    final double margin;

    private Calibration(List<double[]> inputs, double[] layerMax, boolean synthetic, double margin) {
        this.inputs = inputs;
        this.layerMax = layerMax;
        this.synthetic = synthetic;
        this.margin = margin;
    }

    /** The ranges on the options' inputs, reported to the options' progress one unit per input. */
    static Calibration run(Network net, List<Stage> stages, CompileOptions o) {
        List<double[]> in = inputs(net.inputShape(), net.info().normalization(), o);
        boolean synthetic = o.calibration().isEmpty();
        double[] max = new double[net.layers().size()];
        double margin = Double.POSITIVE_INFINITY;
        Progress progress = o.progress();
        progress.start("measuring value ranges", in.size());
        try {
            for (double[] x : in) {
                double[][] acts = net.activations(x);
                for (int l = 0; l < max.length; l++) {
                    for (double v : acts[l + 1]) {
                        max[l] = Math.max(max[l], Math.abs(v));
                    }
                }
                margin = Math.min(margin, Tensor.topTwoGap(acts[acts.length - 1]));
                progress.advance(1);
            }
        } finally {
            progress.done();
        }
        return new Calibration(in, max, synthetic, margin);
    }

    /**
     * The calibration inputs: the options' own, checked against the input shape, or (without any)
     * 16 synthetic inputs drawn from a fixed seed through the input normalization.
     */
    static List<double[]> inputs(Shape shape, InputNormalization norm, CompileOptions o) {
        int n = shape.size();
        List<double[]> in = new ArrayList<>();
        boolean synthetic = o.calibration().isEmpty();
        if (synthetic) {
            SplittableRandom r = new SplittableRandom(20190609);
            int channels = shape.rank() == 3 ? shape.dim(0) : 1;
            int plane = n / channels;
            for (int k = 0; k < 16; k++) {
                double[] x = new double[n];
                for (int i = 0; i < n; i++) {
                    // Pixel-scale models keep the draws they always had; other normalizations map
                    // uniform pixels through their per-channel affine maps.
                    double u = r.nextDouble();
                    x[i] = norm.isPixelScale() ? u : 256 * u * norm.scale(i / plane) + norm.offset(i / plane);
                }
                in.add(x);
            }
        } else {
            for (int k = 0; k < o.calibration().size(); k++) {
                double[] x = o.calibration().get(k);
                if (x.length != n) {
                    throw new IllegalArgumentException("calibration input " + k + " has " + x.length + " values, the network takes "
                            + n + " (" + shape + ")");
                }
                for (int i = 0; i < n; i++) {
                    if (!Double.isFinite(x[i])) {
                        throw new IllegalArgumentException("calibration input " + k + " value " + i + " is " + x[i]);
                    }
                }
                in.add(x);
            }
        }
        return in;
    }

    double outputMax() {
        return layerMax[layerMax.length - 1];
    }

    /** log2 of the output range times the margin (at least 0). */
    double outputBits(double margin) {
        return Math.max(0, Math.log(Math.max(outputMax(), 1e-300) * margin) / Math.log(2));
    }

    double[] stageMax(List<Stage> stages) {
        double[] s = new double[stages.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = layerMax[stages.get(i).lastLayer];
        }
        return s;
    }

    String describe() {
        return synthetic ? "16 synthetic inputs of uniform pixels (no calibration data given)"
                : inputs.size() + " calibration input" + (inputs.size() > 1 ? "s" : "");
    }
}
