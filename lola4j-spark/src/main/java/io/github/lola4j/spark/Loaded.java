package io.github.lola4j.spark;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.ring.Parallelism;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plan and the evaluation keys it runs with, read from their bytes, and the cache that keeps
 * them once per JVM.
 *
 * <p>Reading the keys (expanding their seeded halves) and preparing the plan (encoding every
 * weight) take seconds and hundreds of megabytes: an executor does it once for a job's (plan,
 * keys) pair, on the first record it evaluates, and every later task and record of that JVM
 * reuses them. The cache is keyed by the digests of both byte strings, so that a JVM that serves
 * a second job with other keys cannot use the first job's.
 */
final class Loaded {

    /** Two pairs at most: a JVM serving one job after another keeps the last ones only (each is large). */
    private static final int CACHED = 2;

    private static final Map<String, Loaded> CACHE = new LinkedHashMap<>(4, 0.75f, true);

    private static int preparations;

    final Plan plan;
    final EvaluationKeys keys;
    private boolean prepared;

    private Loaded(Plan plan, EvaluationKeys keys) {
        this.plan = plan;
        this.keys = keys;
    }

    /**
     * Reads a plan and evaluation keys of its parameters, and checks nothing else: their bytes as
     * the job received them.
     *
     * @throws IOException naming which of the two is not what it should be
     */
    static Loaded read(byte[] planBytes, byte[] keyBytes) throws IOException {
        Plan plan;
        try (InputStream in = new ByteArrayInputStream(planBytes)) {
            plan = Plan.read(in);
        } catch (IOException e) {
            throw new IOException("the plan: not a plan file (lola4j plan --out): " + e.getMessage(), e);
        }
        EvaluationKeys keys;
        try (InputStream in = new ByteArrayInputStream(keyBytes)) {
            keys = new CkksSerializer(plan.parameters()).readEvaluationKeys(in, Parallelism.sequential());
        } catch (IOException e) {
            throw new IOException("the evaluation keys: not evaluation keys of the plan's parameters: " + e.getMessage(), e);
        }
        return new Loaded(plan, keys);
    }

    /** The cache key of a (plan, keys) pair: both SHA-256 digests, in hex. */
    static String digest(byte[] planBytes, byte[] keyBytes) {
        try {
            HexFormat hex = HexFormat.of();
            return hex.formatHex(MessageDigest.getInstance("SHA-256").digest(planBytes)) + "/"
                    + hex.formatHex(MessageDigest.getInstance("SHA-256").digest(keyBytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JVM", e);
        }
    }

    /**
     * Checks the bytes as the driver receives them, by reading them, unless this JVM holds the
     * pair already.
     *
     * @param keep whether to keep the pair read: in local mode the driver is the executor, on a
     *             cluster the driver evaluates nothing and would only hold the memory
     * @throws IOException as {@link #read}
     */
    static synchronized void check(String digest, byte[] planBytes, byte[] keyBytes, boolean keep) throws IOException {
        if (!CACHE.containsKey(digest)) {
            Loaded l = read(planBytes, keyBytes);
            if (keep) {
                put(digest, l);
            }
        }
    }

    /**
     * This JVM's prepared pair for the digest, read from the bytes the first time. Tasks running
     * at once in one executor wait for the first to build it rather than each building its own.
     *
     * @param digest the digest of the bytes, {@link #digest}
     * @param source gives the bytes (a broadcast's value: fetched only when needed)
     */
    static synchronized Loaded get(String digest, Source source) throws IOException {
        Loaded l = CACHE.get(digest);
        if (l == null) {
            l = read(source.planBytes(), source.keyBytes());
            put(digest, l);
        }
        if (!l.prepared) {
            l.plan.prepare();
            l.prepared = true;
            preparations++;
        }
        return l;
    }

    private static void put(String digest, Loaded loaded) {
        CACHE.put(digest, loaded);
        Iterator<String> eldest = CACHE.keySet().iterator();
        while (CACHE.size() > CACHED) {
            eldest.next();
            eldest.remove();
        }
    }

    /** How many times this JVM has prepared a plan (tests: once per pair, however many records). */
    static synchronized int preparations() {
        return preparations;
    }

    /** Where {@link #get} takes the bytes from when a pair is not cached. */
    interface Source {
        byte[] planBytes();

        byte[] keyBytes();
    }
}
