package io.github.lola4j.service;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a hostile server on loopback: an answer that trickles, one that announces
 * gigabytes, one that never ends. The client gives up by its deadline or at its size limit with
 * an IOException, and never fills its heap.
 */
class HostileServerTest {

    private ServerSocket socket;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws IOException {
        socket.close();
        pool.shutdownNow();
    }

    /** A server that answers every request with what {@code answer} writes. */
    private URI serve(Consumer<OutputStream> answer) throws IOException {
        socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        pool.submit(() -> {
            while (!socket.isClosed()) {
                Socket s;
                try {
                    s = socket.accept();
                } catch (IOException closed) {
                    return null;
                }
                pool.submit(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        ByteArrayOutputStream head = new ByteArrayOutputStream();
                        int b;
                        while ((b = in.read()) >= 0) {
                            head.write(b);
                            if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                                break;
                            }
                        }
                        answer.accept(s.getOutputStream());
                    }
                    return null;
                });
            }
            return null;
        });
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    private static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException gone) {
            throw new java.io.UncheckedIOException(gone);
        }
    }

    @Test
    void aTricklingAnswerEndsAtTheDeadline() throws Exception {
        URI u = serve(out -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
            for (int i = 0; i < 100; i++) {
                write(out, " ");
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        PredictionClient c = new PredictionClient(u, null, Duration.ofSeconds(2), 0);
        long t0 = System.nanoTime();
        assertThrows(HttpTimeoutException.class, c::health);
        double s = (System.nanoTime() - t0) * 1e-9;
        assertTrue(s < 5, "gave up after " + s + " s");
    }

    @Test
    void aHugeOrEndlessPlanIsRefusedAtTheLimit() throws Exception {
        URI huge = serve(out -> write(out, "HTTP/1.1 200 OK\r\nContent-Type: " + Protocol.CLIENT_PLAN_TYPE
                + "\r\nContent-Length: 3221225472\r\n\r\n"));
        PredictionClient c = new PredictionClient(huge, null, Duration.ofSeconds(30), 0);
        IOException e = assertThrows(IOException.class, () -> c.clientPlan("lola"));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        socket.close();
        URI endless = serve(out -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: " + Protocol.CLIENT_PLAN_TYPE + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "10000\r\n" + "x".repeat(0x10000) + "\r\n";
            for (int i = 0; i < 100_000; i++) {
                write(out, chunk);
            }
        });
        PredictionClient d = new PredictionClient(endless, null, Duration.ofSeconds(30), 0);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        e = assertThrows(IOException.class, () -> d.clientPlan("lola"));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        System.out.printf("hostile server: an endless plan answer refused at %d MiB; heap grew by at most %d MiB%n",
                PredictionClient.MAX_PLAN_BYTES >> 20,
                Math.max(0, Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory() - before) >> 20);
    }
}
