package io.github.lola4j.lola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Network;
import io.github.lola4j.nn.Shape;
import io.github.lola4j.nn.Square;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compiler's default calibration, and what calls for it. */
class DefaultCalibrationTest {

    private static byte[] bytes(Plan plan) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        plan.write(out);
        return out.toByteArray();
    }

    /** An empty calibration (the policy found no data) is the default: the same plan as no call at all. */
    @Test
    void noCalibrationInputsMeanTheSyntheticDefault() throws IOException {
        Network net = CompilerTest.net(Shape.of(32), 1.0, 21, Dense.zeros(32, 16), Square.INSTANCE, Dense.zeros(16, 4));
        Plan none = LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(List.of()));
        assertArrayEquals(bytes(LolaCompiler.compile(net, CompileOptions.lowLatency())), bytes(none));
        assertEquals("16 synthetic inputs of uniform pixels (no calibration data given)", none.compileInfo().calibration());
    }
}
