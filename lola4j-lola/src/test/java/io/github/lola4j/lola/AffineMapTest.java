package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import io.github.lola4j.nn.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The affine view of every linear nn layer, and compositions, against the layers themselves. */
class AffineMapTest {

    private static final SplittableRandom R = new SplittableRandom(7);

    static Conv2d conv(int in, int out, int k, int stride, int pt, int pb, int pl, int pr) {
        Conv2d.Geometry g = new Conv2d.Geometry(in, out, k, k, stride, stride, pt, pb, pl, pr);
        return Conv2d.of(g, LolaTestSupport.random(R, g.weightCount(), -0.5, 0.5), LolaTestSupport.random(R, out, -0.2, 0.2));
    }

    static Dense dense(int in, int out) {
        return Dense.of(in, out, LolaTestSupport.random(R, in * out, -0.3, 0.3), LolaTestSupport.random(R, out, -0.1, 0.1));
    }

    private static void same(Layer l, Shape in) {
        double[] x = LolaTestSupport.random(R, in.size(), -1, 1);
        double[] want = l.apply(Tensor.of(in, x)).toArray();
        assertArrayEquals(want, AffineMap.of(l, in).apply(x), 1e-12, l.toString());
    }

    @Test
    void everyLinearLayerMatchesItsNnTwin() {
        same(dense(20, 7), Shape.of(20));
        same(conv(1, 5, 5, 2, 0, 1, 0, 1), Shape.of(1, 28, 28));
        same(conv(3, 4, 3, 1, 1, 1, 1, 1), Shape.of(3, 9, 9));
        same(conv(2, 3, 4, 3, 2, 0, 3, 1), Shape.of(2, 11, 10));
        same(AvgPool.of(2, 3, 2, 1), Shape.of(2, 6, 7));
        same(Flatten.INSTANCE, Shape.of(2, 3, 4));
        same(PolyActivation.of(0, 1.5, -0.25), Shape.of(12));
        assertThrows(IllegalArgumentException.class, () -> AffineMap.of(Square.INSTANCE, Shape.of(3)));
    }

    @Test
    void compositionAppliesLayersInOrder() {
        Conv2d c = conv(1, 2, 3, 1, 1, 1, 1, 1);
        AvgPool p = AvgPool.of(2, 2, 2, 2);
        Shape in = Shape.of(1, 8, 8);
        Shape mid = c.outputShape(in);
        Dense d = dense(p.outputShape(mid).size(), 5);
        AffineMap m = AffineMap.of(d, Shape.of(p.outputShape(mid).size())).after(AffineMap.of(Flatten.INSTANCE, p.outputShape(mid)))
                .after(AffineMap.of(p, mid)).after(AffineMap.of(c, in));
        double[] x = LolaTestSupport.random(R, in.size(), 0, 1);
        double[] want = d.apply(Tensor.of(Shape.of(p.outputShape(mid).size()),
                p.apply(c.apply(Tensor.of(in, x))).toArray())).toArray();
        assertArrayEquals(want, m.apply(x), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> AffineMap.identity(3).after(AffineMap.identity(4)));
    }

    @Test
    void pendingAffineFactorsFoldIntoTheMap() {
        Dense d = dense(6, 3);
        AffineMap m = AffineMap.of(d, Shape.of(6));
        double[] x = LolaTestSupport.random(R, 6, -1, 1);
        double[] shifted = new double[6];
        for (int i = 0; i < 6; i++) {
            shifted[i] = 2.5 * x[i] - 0.75;
        }
        assertArrayEquals(m.apply(shifted), m.withInputAffine(2.5, -0.75).apply(x), 1e-12);
        assertEquals(18, m.nonZeros());
        assertEquals(6, m.maxRowNonZeros());
    }
}
