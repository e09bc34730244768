package io.github.lola4j.service;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /v1/metrics} reports: requests per endpoint, responses per status, rejections,
 * and the latency of the last {@value #WINDOW} predictions (their percentiles). Holds no key id,
 * no model input and nothing a client sent.
 */
final class ServerMetrics {

    static final int WINDOW = 4096;

    private final Map<String, Long> requests = new TreeMap<>();
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private final double[] latencies = new double[WINDOW];
    private final double[] evaluations = new double[WINDOW];
    private long predictions;
    private long rejected;

    synchronized void request(String endpoint, int status) {
        requests.merge(endpoint, 1L, Long::sum);
        statuses.merge(status, 1L, Long::sum);
        if (status == 503) {
            rejected++;
        }
    }

    synchronized void prediction(double totalSeconds, double evaluationSeconds) {
        latencies[(int) (predictions % WINDOW)] = totalSeconds;
        evaluations[(int) (predictions % WINDOW)] = evaluationSeconds;
        predictions++;
    }

    synchronized Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", new TreeMap<>(requests));
        Map<String, Long> byStatus = new TreeMap<>();
        long errors = 0;
        for (Map.Entry<Integer, Long> e : statuses.entrySet()) {
            byStatus.put(Integer.toString(e.getKey()), e.getValue());
            if (e.getKey() >= 400) {
                errors += e.getValue();
            }
        }
        m.put("responses", byStatus);
        m.put("errors", errors);
        m.put("rejected", rejected);
        m.put("predictions", predictions);
        m.put("predict_latency_s", percentiles(latencies));
        m.put("evaluation_s", percentiles(evaluations));
        return m;
    }

    private Map<String, Object> percentiles(double[] window) {
        int n = (int) Math.min(predictions, WINDOW);
        double[] v = Arrays.copyOf(window, n);
        Arrays.sort(v);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("window", n);
        p.put("p50", quantile(v, 0.50));
        p.put("p90", quantile(v, 0.90));
        p.put("p99", quantile(v, 0.99));
        p.put("max", n == 0 ? null : v[n - 1]);
        return p;
    }

    /** Nearest-rank quantile, null when empty. */
    static Double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return null;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
