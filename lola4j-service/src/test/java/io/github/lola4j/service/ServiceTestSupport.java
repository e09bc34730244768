package io.github.lola4j.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.lola4j.data.Mnist;
import io.github.lola4j.lola.CompileOptions;
import io.github.lola4j.lola.LolaCompiler;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Compiled plans shared by the service tests, raw HTTP requests, and a log that can be searched. */
final class ServiceTestSupport {

    private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();
    static final LabeledImages SAMPLE = Mnist.embeddedSample();
    static final HttpClient RAW = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServiceTestSupport() {
    }

    /** A shipped model compiled as the CLI does (calibrated on the embedded sample). */
    static Plan plan(String model) {
        return PLANS.computeIfAbsent(model, m -> {
            Network net;
            try {
                net = ModelRegistry.load(m);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            List<double[]> cal = new ArrayList<>();
            for (int i = 0; i < SAMPLE.count(); i++) {
                cal.add(net.input(SAMPLE, i));
            }
            return LolaCompiler.compile(net, CompileOptions.lowLatency().withCalibration(cal));
        });
    }

    static double[] input(String model, int image) {
        return plan(model).network().input(SAMPLE, image);
    }

    /**
     * A server hosting one shipped model on a free loopback port, two evaluations at a time and
     * 64 queued, its log discarded: what a test of a client's session needs.
     */
    static PredictionServer quietServer(String model) throws IOException {
        return PredictionServer.start(List.of(HostedModel.of(model, plan(model))),
                new PredictionServer.Config().bind(new java.net.InetSocketAddress("127.0.0.1", 0)).maxConcurrent(2).queueCapacity(64)
                        .log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }

    /** A log that tests can read. */
    static final class Log {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        synchronized String text() {
            stream.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    static HttpResponse<String> raw(URI server, String method, String pathAndQuery, String contentType, byte[] body,
            String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + pathAndQuery)).timeout(Duration.ofSeconds(60));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return RAW.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON error of a response; fails unless it is one, with no stack trace. */
    static JsonNode error(HttpResponse<String> r) throws IOException {
        String body = r.body();
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains(".java:"),
                "no stack trace reaches a client: " + body);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith(Protocol.JSON_TYPE), "JSON error");
        JsonNode e = JsonMapper.builder().build().readTree(body).get("error");
        assertTrue(e != null && e.get("status").asInt() == r.statusCode() && !e.get("message").asText().isEmpty(), body);
        return e;
    }
}
