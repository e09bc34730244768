package io.github.lola4j.service;

import io.github.lola4j.ckks.EvaluationKeys;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The server's evaluation keys, one entry per upload: bound to the model it was made for and to the
 * {@link KeysDigest} of the bytes uploaded (a prediction naming another digest is refused with 409),
 * kept under the SHA-256 digest of its {@link KeyId} (the id itself is never stored), expiring after
 * a period without use, and within a total memory budget. An upload that does not fit after the
 * expired entries are dropped is refused rather than evicting another client's live keys.
 */
final class EvaluationKeyStore {

    /** Why a lookup failed. */
    static final class LookupException extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        LookupException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private static final class Entry {
        final String model;
        final long fingerprint;
        final EvaluationKeys keys;
        final KeysDigest digest;
        final long bytes;
        long lastUsed;

        Entry(String model, long fingerprint, EvaluationKeys keys, KeysDigest digest, long bytes, long now) {
            this.model = model;
            this.fingerprint = fingerprint;
            this.keys = keys;
            this.digest = digest;
            this.bytes = bytes;
            this.lastUsed = now;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private final long ttlNanos;
    private final long maxBytes;
    private final LongSupplier clock;
    private final SecureRandom random;
    private long storedBytes;
    private long expired;

    EvaluationKeyStore(long ttlNanos, long maxBytes, LongSupplier clock, SecureRandom random) {
        this.ttlNanos = ttlNanos;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Stores keys under a fresh id.
     *
     * @throws LookupException 503 when the budget is exhausted by live keys
     */
    synchronized KeyId register(String model, long fingerprint, EvaluationKeys keys, KeysDigest digest) throws LookupException {
        long now = clock.getAsLong();
        dropExpired(now);
        long bytes = keys.sizeInBytes();
        if (storedBytes + bytes > maxBytes) {
            throw new LookupException(503, "key_store_full", "the server holds as many evaluation keys as its memory budget"
                    + " allows (" + maxBytes + " bytes); try again later");
        }
        KeyId id;
        do {
            id = KeyId.random(random);
        } while (entries.containsKey(id.digest()));
        entries.put(id.digest(), new Entry(model, fingerprint, keys, digest, bytes, now));
        storedBytes += bytes;
        return id;
    }

    /**
     * The keys of an id for a model, refreshing its expiry.
     *
     * @throws LookupException 404 for an unknown or expired id, 409 for an id of another model or
     *                         of other keys than the client's digest names
     */
    synchronized EvaluationKeys lookup(KeyId id, String model, long fingerprint, KeysDigest digest) throws LookupException {
        long now = clock.getAsLong();
        String d = id.digest();
        Entry e = entries.get(d);
        if (e != null && now - e.lastUsed > ttlNanos) {
            remove(d, e);
            expired++;
            e = null;
        }
        if (e == null) {
            throw new LookupException(404, "unknown_key_id", "unknown or expired key id: upload the evaluation keys again");
        }
        if (!e.model.equals(model) || e.fingerprint != fingerprint) {
            throw new LookupException(409, "key_id_for_another_model", "the key id was registered for another model than '"
                    + model + "'");
        }
        if (!e.digest.equals(digest)) {
            throw new LookupException(409, "keys_mismatch", "the key id holds other evaluation keys than the client's (digest "
                    + e.digest + ", the request names " + digest + "): register the keys of this secret key again");
        }
        e.lastUsed = now;
        return e.keys;
    }

    /** Forgets an id; whether it existed. */
    synchronized boolean remove(KeyId id) {
        String d = id.digest();
        Entry e = entries.get(d);
        if (e == null) {
            return false;
        }
        remove(d, e);
        return true;
    }

    private void remove(String digest, Entry e) {
        entries.remove(digest);
        storedBytes -= e.bytes;
    }

    private void dropExpired(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (now - e.lastUsed > ttlNanos) {
                it.remove();
                storedBytes -= e.bytes;
                expired++;
            }
        }
    }

    /** Entries, bytes held and entries expired so far (expired entries are dropped first). */
    synchronized long[] stats() {
        dropExpired(clock.getAsLong());
        return new long[] {entries.size(), storedBytes, expired};
    }
}
