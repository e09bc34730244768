package io.github.lola4j.lola;

import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * LoLa's convolution with scalar weights (kernel 1 of LOLA.md): the client sends one ciphertext per
 * tap (input channel, kernel row, kernel column) whose slot r W' + c holds the input under that tap
 * for output position (r, c) (zero in the padding); map m is sum_tap w[m, tap] ct_tap + b_m, one
 * lazily reduced sum of constant products per map. The output is one dense ciphertext per map
 * (LoLa then vectorizes them). Cheaper per product than weight vectors, but it needs the maps
 * gathered afterwards; the compiler weighs both.
 */
final class ScalarConvolutionKernel extends Kernel {

    private final String label;
    private final double[][] weights;   // [map][tap]
    private final WeightVector[] bias;  // per map, null when zero
    private final Representation output;

    /**
     * Plans the kernel.
     *
     * @param label what it computes
     * @param conv  the convolution
     * @param in    its input shape
     * @param slots S, at least the output positions per map
     * @return the kernel
     */
    static ScalarConvolutionKernel plan(String label, Conv2d conv, Shape in, int slots) {
        Conv2d.Geometry g = conv.geometry();
        Shape out = conv.outputShape(in);
        int h = in.dim(1);
        int w = in.dim(2);
        int ho = out.dim(1);
        int wo = out.dim(2);
        int positions = ho * wo;
        if (positions > slots) {
            throw new IllegalArgumentException("scalar convolution: " + positions + " output positions per map exceed " + slots
                    + " slots");
        }
        int taps = g.inChannels() * g.kernelRows() * g.kernelCols();
        int[][] gather = new int[taps][slots];
        double[][] wts = new double[g.outChannels()][taps];
        for (int i = 0; i < g.inChannels(); i++) {
            for (int kr = 0; kr < g.kernelRows(); kr++) {
                for (int kc = 0; kc < g.kernelCols(); kc++) {
                    int t = (i * g.kernelRows() + kr) * g.kernelCols() + kc;
                    Arrays.fill(gather[t], -1);
                    for (int r = 0; r < ho; r++) {
                        int y = r * g.strideRows() + kr - g.padTop();
                        for (int c = 0; c < wo; c++) {
                            int x = c * g.strideCols() + kc - g.padLeft();
                            if (y >= 0 && y < h && x >= 0 && x < w) {
                                gather[t][r * wo + c] = (i * h + y) * w + x;
                            }
                        }
                    }
                    for (int m = 0; m < g.outChannels(); m++) {
                        wts[m][t] = conv.weight(m, i, kr, kc);
                    }
                }
            }
        }
        ConvolutionLayout rin = new ConvolutionLayout("one ct per tap, " + positions + " positions",
                in.size(), gather);
        int maps = g.outChannels();
        int[] ct = new int[maps * positions];
        int[] sl = new int[maps * positions];
        for (int m = 0; m < maps; m++) {
            for (int p = 0; p < positions; p++) {
                ct[m * positions + p] = m;
                sl[m * positions + p] = p;
            }
        }
        Representation rout = new InterleavedLayout("one ct per map", maps, slots, ct, sl, Representation.Fill.ZERO);
        WeightVector[] bias = new WeightVector[maps];
        for (int m = 0; m < maps; m++) {
            if (conv.bias(m) != 0) {
                double[] v = new double[slots];
                Arrays.fill(v, 0, positions, conv.bias(m));
                bias[m] = new WeightVector(v);
            }
        }
        return new ScalarConvolutionKernel(label, rin, rout, wts, bias);
    }

    private ScalarConvolutionKernel(String label, Representation in, Representation out, double[][] weights, WeightVector[] bias) {
        super(in, 1, 0);
        this.label = label;
        this.output = out;
        this.weights = weights;
        this.bias = bias;
    }

    @Override
    String kind() {
        return "scalar-convolution";
    }

    @Override
    String describe() {
        return "scalar convolution " + label + ": " + weights.length + " maps x " + input().ciphertexts()
                + " constant products -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        return ops.parallel(weights.length, m -> {
            List<V> xs = new ArrayList<>();
            List<Double> cs = new ArrayList<>();
            for (int t = 0; t < weights[m].length; t++) {
                if (weights[m][t] != 0) {
                    xs.add(in.get(t));
                    cs.add(weights[m][t]);
                }
            }
            if (xs.isEmpty()) {
                xs.add(in.get(0));
                cs.add(0.0);
            }
            double[] c = new double[cs.size()];
            for (int k = 0; k < c.length; k++) {
                c[k] = cs.get(k);
            }
            V y = ops.rescale(ops.multiplyConstAndSum(xs, c));
            return bias[m] == null ? y : ops.addPlain(y, bias[m]);
        });
    }
}
