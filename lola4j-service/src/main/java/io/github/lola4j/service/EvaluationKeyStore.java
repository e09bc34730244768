package io.github.lola4j.service;

import io.github.lola4j.ckks.EvaluationKeys;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The server's evaluation keys, one entry per upload: bound to the model it was made for and to the
 * {@link KeysDigest} of the bytes uploaded (a prediction naming another digest is refused with 409),
 * kept under the SHA-256 digest of its {@link KeyId} (the id itself is never stored), expiring after
 * a period without use, and within a total memory budget of which one client (a remote address)
 * may hold only a share. An upload that does not fit after the expired entries are dropped is
 * refused rather than evicting another client's live keys. The same keys uploaded again by the
 * same client get a new id but share the stored keys: re-uploading costs no memory.
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

    /** Keys held once for every id registered for them by one client. */
    private static final class Stored {
        final String sharingKey;
        final InetAddress client;
        final EvaluationKeys keys;
        final long bytes;
        int ids;

        Stored(String sharingKey, InetAddress client, EvaluationKeys keys, long bytes) {
            this.sharingKey = sharingKey;
            this.client = client;
            this.keys = keys;
            this.bytes = bytes;
        }
    }

    private static final class Entry {
        final String model;
        final long fingerprint;
        final KeysDigest digest;
        final Stored stored;
        long lastUsed;

        Entry(String model, long fingerprint, KeysDigest digest, Stored stored, long now) {
            this.model = model;
            this.fingerprint = fingerprint;
            this.digest = digest;
            this.stored = stored;
            this.lastUsed = now;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Stored> shared = new HashMap<>();
    private final Map<InetAddress, Long> byClient = new HashMap<>();
    private final long ttlNanos;
    private final long maxBytes;
    private final long maxBytesPerClient;
    private final LongSupplier clock;
    private final SecureRandom random;
    private long storedBytes;
    private long expired;

    EvaluationKeyStore(long ttlNanos, long maxBytes, long maxBytesPerClient, LongSupplier clock, SecureRandom random) {
        this.ttlNanos = ttlNanos;
        this.maxBytes = maxBytes;
        this.maxBytesPerClient = maxBytesPerClient;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Stores keys under a fresh id.
     *
     * @throws LookupException 503 when the budget is exhausted by live keys, 429 when the client
     *                         already holds its share
     */
    synchronized KeyId register(String model, long fingerprint, EvaluationKeys keys, KeysDigest digest, InetAddress client)
            throws LookupException {
        long now = clock.getAsLong();
        dropExpired(now);
        String sharingKey = client.getHostAddress() + "|" + model + "|" + Long.toHexString(fingerprint) + "|" + digest.hex();
        Stored s = shared.get(sharingKey);
        if (s == null) {
            long bytes = keys.sizeInBytes();
            long mine = byClient.getOrDefault(client, 0L);
            if (mine + bytes > maxBytesPerClient) {
                throw new LookupException(429, "key_quota_exceeded", "this client already holds " + mine + " bytes of evaluation"
                        + " keys; one client may hold " + maxBytesPerClient + " (delete unused keys with DELETE " + Protocol.KEYS
                        + ", or wait until they expire)");
            }
            if (storedBytes + bytes > maxBytes) {
                throw new LookupException(503, "key_store_full", "the server holds as many evaluation keys as its memory budget"
                        + " allows (" + maxBytes + " bytes); try again later");
            }
            s = new Stored(sharingKey, client, keys, bytes);
            shared.put(sharingKey, s);
            storedBytes += bytes;
            byClient.merge(client, bytes, Long::sum);
        }
        KeyId id;
        do {
            id = KeyId.random(random);
        } while (entries.containsKey(id.digest()));
        s.ids++;
        entries.put(id.digest(), new Entry(model, fingerprint, digest, s, now));
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
        return e.stored.keys;
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
        release(e.stored);
    }

    private void release(Stored s) {
        if (--s.ids > 0) {
            return;
        }
        shared.remove(s.sharingKey);
        storedBytes -= s.bytes;
        long left = byClient.getOrDefault(s.client, 0L) - s.bytes;
        if (left <= 0) {
            byClient.remove(s.client);
        } else {
            byClient.put(s.client, left);
        }
    }

    private void dropExpired(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (now - e.lastUsed > ttlNanos) {
                it.remove();
                release(e.stored);
                expired++;
            }
        }
    }

    /** Ids, bytes held, ids expired so far, distinct key sets held (expired entries are dropped first). */
    synchronized long[] stats() {
        dropExpired(clock.getAsLong());
        return new long[] {entries.size(), storedBytes, expired, shared.size()};
    }
}
