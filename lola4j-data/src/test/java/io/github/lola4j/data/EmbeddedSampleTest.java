package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedSampleTest {

    @TempDir
    Path tmp;

    @Test
    void sampleIsTheFirstHundredTestImages() throws IOException {
        LabeledImages sample = Mnist.embeddedSample();
        LabeledImages real = Mnist.loadTestSet(TestData.MNIST, Dataset.MNIST);
        assertEquals(Mnist.SAMPLE_SIZE, sample.count());
        assertArrayEquals(real.subset(0, 100).pixels(), sample.pixels());
        assertArrayEquals(real.subset(0, 100).labels(), sample.labels());
    }

    @Test
    void embeddedFilesAreWhatTheGeneratorWrites() throws IOException {
        EmbeddedSampleGenerator.main(new String[] {TestData.MNIST.toString(), tmp.toString()});
        for (String f : new String[] {"mnist-sample-t10k-images-idx3-ubyte.gz", "mnist-sample-t10k-labels-idx1-ubyte.gz"}) {
            byte[] generated = Files.readAllBytes(tmp.resolve(f));
            try (InputStream in = Mnist.class.getResourceAsStream(Mnist.SAMPLE_RESOURCE_DIR + f)) {
                assertArrayEquals(generated, in.readAllBytes(), f);
            }
        }
    }

    @Test
    void attributionShipsBesideTheSample() throws IOException {
        try (InputStream in = Mnist.class.getResourceAsStream(Mnist.SAMPLE_RESOURCE_DIR + "NOTICE-mnist-sample.txt")) {
            String notice = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(notice.contains("LeCun") && notice.contains("Cortes") && notice.contains("Burges")
                    && notice.contains("CC BY-SA 3.0"), notice);
        }
    }
}
