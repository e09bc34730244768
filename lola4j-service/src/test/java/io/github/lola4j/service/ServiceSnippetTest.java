package io.github.lola4j.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Tensor;
import io.github.lola4j.testkit.Snippets;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/service.md's "From Java" snippet, run as written: it predicts what the plaintext network does. */
class ServiceSnippetTest {

    private static final Path SOURCE = Path.of("lola4j-service/src/test/java/io/github/lola4j/service/ServiceSnippetTest.java");

    @TempDir
    Path dir;

    @Test
    void fromJava() throws Exception {
        Plan plan = ServiceTestSupport.plan("lola");
        LabeledImages images = ServiceTestSupport.SAMPLE;
        int port = 0; // any free port: the snippet's reader picks 8080
        // snippet from-java
        PredictionServer server = PredictionServer.start(List.of(HostedModel.of("lola", plan)),
                new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", port)));
        // elsewhere, with the server's address (server.uri() is http://127.0.0.1:8080 on port 8080)
        PredictionClient client = new PredictionClient(server.uri(), null, Duration.ofMinutes(5));
        ClientSession session = ClientSession.open(client, "lola", new ClientKeyCache(dir), new SecureRandom(), false);
        double[] x = session.plan().normalization().apply(images, 0);  // image 0 scaled as the model expects
        ClientSession.Result r = session.predict(x);                 // encrypt, POST /v1/predict, decrypt
        int digit = r.prediction();
        // end snippet
        try {
            assertEquals(Tensor.argmax(plan.network().forward(plan.network().input(images, 0))), digit);
        } finally {
            server.close();
        }
        Snippets.assertDocumented(SOURCE, "from-java", Path.of("docs/service.md"));
    }
}
