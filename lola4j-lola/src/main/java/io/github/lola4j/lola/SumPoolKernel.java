package io.github.lola4j.lola;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Average pooling by rotations (LOLA.md kernel 2): when every pooling window lies at the same slot
 * offsets from its first element, the sum of the input rotated by those offsets holds each
 * window's sum at the slot of its first element. No product and no level: the 1 / (kh kw) joins
 * the pending factor, which the next linear kernel folds into its weights. The compiler weighs this
 * against merging the pooling into a neighbouring linear layer.
 */
final class SumPoolKernel extends Kernel {

    private final int[] offsets;
    private final double window;
    private final Representation output;

    /**
     * The kernel, if the input's layout allows it.
     *
     * @param pool  the pooling
     * @param shape the input shape C x H x W
     * @param in    the input representation
     * @param alpha the input's pending factor
     * @param beta  the input's pending offset
     * @return the kernel, or null when the windows are not uniform in the slots
     */
    static SumPoolKernel plan(AvgPool pool, Shape shape, Representation in, double alpha, double beta) {
        if (shape.rank() != 3 || in.size() != shape.size()) {
            return null;
        }
        int ch = shape.dim(0);
        int h = shape.dim(1);
        int w = shape.dim(2);
        Shape out = pool.outputShape(shape);
        int ho = out.dim(1);
        int wo = out.dim(2);
        int kh = pool.kernelRows();
        int kw = pool.kernelCols();
        int slots = in.slots();
        int[] offsets = new int[kh * kw];
        for (int kr = 0; kr < kh; kr++) {
            for (int kc = 0; kc < kw; kc++) {
                offsets[kr * kw + kc] = Math.floorMod(in.slot(kr * w + kc, 0) - in.slot(0, 0), slots);
            }
        }
        int[] ct = new int[out.size()];
        int[] sl = new int[out.size()];
        for (int c = 0; c < ch; c++) {
            for (int r = 0; r < ho; r++) {
                for (int q = 0; q < wo; q++) {
                    int anchor = (c * h + r * pool.strideRows()) * w + q * pool.strideCols();
                    int actAt = in.ciphertext(anchor, 0);
                    int slotAt = in.slot(anchor, 0);
                    for (int kr = 0; kr < kh; kr++) {
                        for (int kc = 0; kc < kw; kc++) {
                            int e = anchor + kr * w + kc;
                            if (in.ciphertext(e, 0) != actAt
                                    || Math.floorMod(in.slot(e, 0) - slotAt, slots) != offsets[kr * kw + kc]) {
                                return null;
                            }
                        }
                    }
                    int idx = (c * ho + r) * wo + q;
                    ct[idx] = actAt;
                    sl[idx] = slotAt;
                }
            }
        }
        Representation rout = new InterleavedLayout("window sums", in.ciphertexts(), slots, ct, sl,
                Representation.Fill.GARBAGE);
        return new SumPoolKernel(in, alpha, beta, offsets, kh * kw, rout);
    }

    private SumPoolKernel(Representation in, double alpha, double beta, int[] offsets, int window, Representation out) {
        super(in, alpha, beta);
        this.offsets = offsets;
        this.window = window;
        this.output = out;
    }

    @Override
    String kind() {
        return "sum-pool";
    }

    @Override
    String describe() {
        return "sum-pool " + (int) window + " taps: " + (offsets.length - 1) + " hoisted rotations per ct -> " + output.describe();
    }

    @Override
    Representation output() {
        return output;
    }

    @Override
    double outAlpha() {
        return inAlpha() / window;
    }

    @Override
    double outBeta() {
        return inBeta();
    }

    @Override
    <V> List<V> apply(SlotOps<V> ops, List<V> in) {
        List<Integer> steps = new ArrayList<>();
        for (int o : offsets) {
            if (o != 0 && !steps.contains(o)) {
                steps.add(o);
            }
        }
        int[] st = steps.stream().mapToInt(Integer::intValue).toArray();
        return ops.parallel(in.size(), c -> {
            V x = in.get(c);
            List<V> r = st.length == 0 ? List.of() : ops.rotateHoisted(x, st);
            V acc = x;
            for (int o : offsets) {
                if (o != 0) {
                    acc = ops.add(acc, r.get(steps.indexOf(o)));
                }
            }
            return acc;
        });
    }
}
