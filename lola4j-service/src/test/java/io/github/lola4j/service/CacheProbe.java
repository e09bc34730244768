package io.github.lola4j.service;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;

/**
 * A client process for {@link ClientKeyCacheTest}: opens a session with a shared key cache and
 * classifies images of the embedded sample, twice in a row (the second session reads the keys
 * the cache holds by then). One line per prediction: {@code round image setup score...}.
 */
public final class CacheProbe {

    private CacheProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args server URI, cache folder, first image, image count
     * @throws Exception on any failure (the exit code is then non-zero)
     */
    public static void main(String[] args) throws Exception {
        URI server = URI.create(args[0]);
        ClientKeyCache cache = new ClientKeyCache(Path.of(args[1]), w -> System.err.println("warning: " + w));
        int first = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        PredictionClient client = new PredictionClient(server, null, Duration.ofSeconds(120));
        PrintStream out = System.out;
        for (int round = 0; round < 2; round++) {
            ClientSession s = ClientSession.open(client, "lola-small", cache, new SecureRandom(), false);
            for (int i = first; i < first + count; i++) {
                double[] x = s.plan().normalization().apply(ServiceTestSupport.SAMPLE, i);
                ClientSession.Result r = s.predict(x);
                StringBuilder b = new StringBuilder();
                b.append(round).append(' ').append(i).append(' ').append(s.setup().cachedKeys() ? "cached" : "made");
                for (double v : r.scores()) {
                    b.append(' ').append(String.format(Locale.ROOT, "%.17g", v));
                }
                out.println(b);
            }
        }
        out.flush();
    }
}
