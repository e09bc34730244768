package io.github.lola4j.lola;

import io.github.lola4j.format.Progress;
import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.util.ArrayList;
import java.util.List;

/**
 * A network normalized for the compiler: maximal runs of linear layers (conv2d, dense, avgpool,
 * flatten, a polynomial without quadratic term) merged into one affine map, and the quadratic
 * activations between them. Immutable.
 */
final class Stage {

    /** A stage is a merged linear map or an activation. */
    enum Kind {
        LINEAR,
        ACTIVATION
    }

    final Kind kind;
    final int firstLayer;
    final int lastLayer;
    final Shape in;
    final Shape out;
    final String label;
    /** The merged map (linear stages). */
    final AffineMap map;
    /** The convolution, when the stage is exactly one conv2d (for the scalar-weight kernel). */
    final Conv2d conv;
    /** The pooling, when the stage is exactly one avgpool (for the rotation kernel). */
    final AvgPool pool;
    /** a X^2 + b X + c (activation stages). */
    final double a;
    final double b;
    final double c;
    /** Whether a linear stage follows (activation stages): it can relinearize their products. */
    final boolean beforeLinear;
    /** Whether an activation precedes (linear stages). */
    final boolean afterActivation;

    private Stage(Kind kind, int first, int last, Shape in, Shape out, String label, AffineMap map, Conv2d conv, AvgPool pool,
            double a, double b, double c, boolean beforeLinear, boolean afterActivation) {
        this.kind = kind;
        this.firstLayer = first;
        this.lastLayer = last;
        this.in = in;
        this.out = out;
        this.label = label;
        this.map = map;
        this.conv = conv;
        this.pool = pool;
        this.a = a;
        this.b = b;
        this.c = c;
        this.beforeLinear = beforeLinear;
        this.afterActivation = afterActivation;
    }

    boolean isLinear() {
        return kind == Kind.LINEAR;
    }

    /** Whether a layer is linear (merged into linear stages). */
    static boolean isLinear(Layer l) {
        return !(l instanceof Square) && !(l instanceof PolyActivation p && p.a() != 0);
    }

    /**
     * The stages of a network.
     *
     * @param net the network
     * @return its stages, in order
     */
    static List<Stage> of(Network net) {
        return of(net, Progress.none());
    }

    /**
     * The stages, reported as the task "preparing layers", a unit per layer (the affine maps of
     * lola-cifar's convolutions take seconds).
     */
    static List<Stage> of(Network net, Progress progress) {
        progress.start("preparing layers", net.layers().size());
        try {
            return stages(net, progress);
        } finally {
            progress.done();
        }
    }

    private static List<Stage> stages(Network net, Progress progress) {
        List<Stage> out = new ArrayList<>();
        List<Layer> layers = net.layers();
        int i = 0;
        while (i < layers.size()) {
            Layer l = layers.get(i);
            if (!isLinear(l)) {
                double a = l instanceof PolyActivation p ? p.a() : 1;
                double b = l instanceof PolyActivation p ? p.b() : 0;
                double c = l instanceof PolyActivation p ? p.c() : 0;
                boolean beforeLinear = i + 1 < layers.size() && isLinear(layers.get(i + 1));
                out.add(new Stage(Kind.ACTIVATION, i, i, net.inputShape(i), net.outputShape(i), l + " (layer " + i + ")", null,
                        null, null, a, b, c, beforeLinear, false));
                i++;
                progress.advance(1);
                continue;
            }
            int j = i;
            AffineMap map = null;
            StringBuilder label = new StringBuilder();
            int effective = 0;
            Layer only = null;
            while (j < layers.size() && isLinear(layers.get(j))) {
                Layer lj = layers.get(j);
                AffineMap m = AffineMap.of(lj, net.inputShape(j));
                map = map == null ? m : m.after(map);
                if (!(lj instanceof io.github.lola4j.nn.Flatten)) {
                    effective++;
                    only = lj;
                }
                label.append(label.length() == 0 ? "" : " + ").append(lj);
                j++;
                progress.advance(1);
            }
            String where = j - 1 == i ? " (layer " + i + ")" : " (layers " + i + "-" + (j - 1) + ")";
            out.add(new Stage(Kind.LINEAR, i, j - 1, net.inputShape(i), net.outputShape(j - 1), label + where, map,
                    effective == 1 && only instanceof Conv2d cv ? cv : null,
                    effective == 1 && only instanceof AvgPool ap ? ap : null, 0, 0, 0, false, i > 0));
            i = j;
        }
        return out;
    }

    /**
     * For each stage, the fewest levels it and the stages after it need: one per activation and
     * per linear stage that is neither the identity nor a pooling (a sum of rotations needs none).
     *
     * @param stages the stages of a network
     * @return {@code r[i]} for stage i, and {@code r[stages.size()] = 0}
     */
    static int[] minRemainingDepth(List<Stage> stages) {
        int[] r = new int[stages.size() + 1];
        for (int i = stages.size() - 1; i >= 0; i--) {
            Stage s = stages.get(i);
            int d = s.isLinear() && (s.map.isIdentity() || s.pool != null) ? 0 : 1;
            r[i] = r[i + 1] + d;
        }
        return r;
    }
}
