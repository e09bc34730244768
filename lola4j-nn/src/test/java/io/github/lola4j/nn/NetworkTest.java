package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkTest {

    @Test
    void lolaArchitectureShapes() {
        Network net = Architecture.LOLA.untrained("mnist");
        assertEquals(Shape.of(1, 28, 28), net.inputShape());
        assertEquals(Shape.of(5, 13, 13), net.outputShape(0));
        assertEquals(Shape.of(845), net.outputShape(2));
        assertEquals(Shape.of(100), net.outputShape(3));
        assertEquals(Shape.of(10), net.outputShape());
        assertEquals(130 + 84600 + 1010, net.parameterCount());
        Network small = Architecture.LOLA_SMALL.untrained("mnist");
        assertEquals(130 + 8460, small.parameterCount());
        Network large = Architecture.LOLA_LARGE.untrained("mnist");
        assertEquals(Shape.of(83, 12, 12), large.outputShape(0));
        assertEquals(Shape.of(163, 4, 4), large.outputShape(2));
        assertEquals(Shape.of(2608), large.outputShape(4));
        assertEquals(Architecture.LOLA_SMALL, Architecture.byId("lola-small"));
        assertThrows(IllegalArgumentException.class, () -> Architecture.byId("lola-huge"));
    }

    @Test
    void forwardEqualsLayerByLayerApplication() {
        Network net = ModelFormatTest.everyLayer();
        double[] x = LayerGradientTest.random(784, 9);
        Tensor t = Tensor.of(net.inputShape(), x);
        for (Layer l : net.layers()) {
            t = l.apply(t);
        }
        assertArrayEquals(t.toArray(), net.forward(x));
        double[][] acts = net.activations(x);
        assertEquals(net.layers().size() + 1, acts.length);
        assertArrayEquals(x, acts[0]);
        assertArrayEquals(t.toArray(), acts[acts.length - 1]);
        assertEquals(t.argmax(), net.predict(x));
        assertEquals(t.argmax(), net.forward(Tensor.of(net.inputShape(), x)).argmax());
    }

    @Test
    void incompatibleLayersAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.of(Shape.of(1, 28, 28),
                List.of(Conv2d.zeros(Conv2d.Geometry.square(1, 5, 5, 2, 0, 1, 0, 1)), Square.INSTANCE, Dense.zeros(845, 10)),
                ModelInfo.untrained("x", "mnist", 1)));
        assertTrue(e.getMessage().contains("layer 2 (dense) cannot take layer 1's output")
                && e.getMessage().contains("add a flatten layer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Network.of(Shape.of(3), List.of(), ModelInfo.untrained("x", "y", 1)));
        Network net = Architecture.LOLA.untrained("mnist");
        e = assertThrows(IllegalArgumentException.class, () -> net.forward(new double[10]));
        assertTrue(e.getMessage().contains("784"), e.getMessage());
    }

    @Test
    void inputPreprocessingUsesThePixelScale() {
        byte[] px = new byte[784];
        px[0] = (byte) 255;
        px[1] = (byte) 128;
        LabeledImages one = LabeledImages.of("one", 28, 28, 10, px, new byte[] {3});
        Network net = Architecture.LOLA.untrained("mnist");
        double[] in = net.input(one, 0);
        assertEquals(255.0 / 256, in[0]);
        assertEquals(0.5, in[1]);
        LabeledImages wrong = LabeledImages.of("w", 27, 28, 10, new byte[27 * 28], new byte[] {0});
        assertThrows(IllegalArgumentException.class, () -> net.input(wrong, 0));
    }

    @Test
    void roundedToFloatRoundsEveryParameter() {
        Network net = ModelFormatTest.everyLayer();
        Network r = net.roundedToFloat();
        for (int l = 0; l < net.layers().size(); l++) {
            double[] a = net.layers().get(l).parameters();
            double[] b = r.layers().get(l).parameters();
            for (int k = 0; k < a.length; k++) {
                assertEquals((double) (float) a[k], b[k]);
            }
        }
        assertEquals(net.info(), r.info());
    }

    @Test
    void modelInfoValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelInfo("", "mnist", 1, Double.NaN, "", 0));
        assertTrue(e.getMessage().contains("name"));
        e = assertThrows(IllegalArgumentException.class, () -> new ModelInfo("a", "mnist", 1, 1.5, "", 0));
        assertTrue(e.getMessage().contains("testAccuracy must be NaN or in [0, 1], got 1.5"));
        e = assertThrows(IllegalArgumentException.class, () -> new ModelInfo("a", "mnist", Double.NaN, 0.5, "", 0));
        assertTrue(e.getMessage().contains("scale of channel 0 must be finite and positive"), e.getMessage());
    }

    @Test
    void denseAccessorsAreCopies() {
        Dense d = Dense.of(new double[][] {{1, 2, 3}, {4, 5, 6}}, new double[] {7, 8});
        assertEquals(6, d.weight(1, 2));
        assertEquals(8, d.bias(1));
        double[][] w = d.weights();
        w[0][0] = 100;
        assertEquals(1, d.weight(0, 0));
        assertArrayEquals(new double[] {7, 8}, d.biases());
        assertArrayEquals(new double[] {1 * 1 + 2 * 2 + 3 * 3 + 7, 4 + 10 + 18 + 8},
                d.apply(Tensor.of(Shape.of(3), new double[] {1, 2, 3})).toArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dense.of(new double[][] {{1, Double.POSITIVE_INFINITY}}, new double[] {0}));
        assertTrue(e.getMessage().contains("weight[0][1] is Infinity"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dense.of(new double[][] {{1, 2}, {3}}, new double[2]));
        assertTrue(e.getMessage().contains("weights[1] has 1 entries"), e.getMessage());
    }
}
