package io.github.lola4j.service;

import static io.github.lola4j.service.ServiceTestSupport.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.lola4j.lola.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server sizes its budgets from the heap its models leave, and refuses to start without room for one client. */
class MemoryBudgetTest {

    private static final long MIB = 1L << 20;

    private static PredictionServer.Config config(long max, long used) {
        return new PredictionServer.Config().bind(new InetSocketAddress("127.0.0.1", 0)).maxConcurrent(2).threads(2)
                .log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).heap(() -> new long[] {max, used});
    }

    @Test
    void refusesToStartWhenTheModelsLeaveNoRoomForOneClient() {
        IOException e = assertThrows(IOException.class,
                () -> PredictionServer.start(List.of(HostedModel.of("lola", plan("lola"))), config(600 * MIB, 500 * MIB)));
        assertTrue(e.getMessage().contains("do not leave room for one client") && e.getMessage().contains("-Xmx"), e.getMessage());
    }

    @Test
    void defaultBudgetsAreShareOfWhatTheModelsLeave() throws Exception {
        Plan p = plan("lola-small");
        long max = 8192 * MIB;
        long used = 1024 * MIB;
        long working = 2 * p.memoryEstimate(2).workingSet();
        try (PredictionServer s = PredictionServer.start(List.of(HostedModel.of("lola-small", p)), config(max, used))) {
            JsonNode m = new PredictionClient(s.uri(), null, Duration.ofSeconds(30)).metrics();
            assertEquals((max - used - working) / 2, m.get("keys").get("budget_bytes").asLong());
            assertEquals((max - used - working) / 4, m.get("in_flight_budget_bytes").asLong());
            assertEquals((long) ((max - used - working) / 2 * 0.25), m.get("keys").get("per_client_bytes").asLong());
        }
    }
}
