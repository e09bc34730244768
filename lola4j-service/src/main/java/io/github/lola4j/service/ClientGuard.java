package io.github.lola4j.service;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * What one client (a remote IP address) may take of the server, so that no client can deny the
 * others: open connections, requests in progress, key uploads per minute. It also closes
 * connections that hold the server without sending a request: the headers of a request must
 * arrive within the header deadline of the connection's opening or of its previous request's end
 * (a client dripping its headers a byte a second is cut off after that long, whatever the idle
 * timeout; Jetty parses headers without a thread, so until then it costs a socket and a buffer).
 * A request's body has its own deadline, enforced by {@link #abort}. Thread-safe.
 */
final class ClientGuard implements Connection.Listener {

    /** One network connection (TCP, below any TLS). */
    private static final class Tracked {
        final Connection connection;
        final InetAddress client;
        /** Requests being handled on it. */
        final AtomicInteger busy = new AtomicInteger();
        /** When it last became idle: opened, or its last request ended. */
        final AtomicLong idleSince;
        /** Closed by the guard (the close completes later). */
        volatile boolean cut;

        Tracked(Connection connection, InetAddress client, long now) {
            this.connection = connection;
            this.client = client;
            this.idleSince = new AtomicLong(now);
        }
    }

    /** Key uploads of one client: a token bucket refilled at the per-minute rate. */
    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }

    private final Map<SocketAddress, Tracked> open = new ConcurrentHashMap<>();
    // counts per client, changed only by merge/computeIfPresent so that an increment never lands
    // on a counter another thread has just removed
    private final Map<InetAddress, Integer> connections = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> requests = new ConcurrentHashMap<>();
    private final Map<InetAddress, Bucket> uploads = new ConcurrentHashMap<>();
    private final int maxConnections;
    private final int maxRequests;
    private final double uploadsPerMinute;
    private final long headerDeadlineNanos;
    private final LongSupplier clock;
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong headerTimeouts = new AtomicLong();

    ClientGuard(int maxConnections, int maxRequests, int uploadsPerMinute, long headerDeadlineNanos, LongSupplier clock) {
        this.maxConnections = maxConnections;
        this.maxRequests = maxRequests;
        this.uploadsPerMinute = uploadsPerMinute;
        this.headerDeadlineNanos = headerDeadlineNanos;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ connections

    @Override
    public void onOpened(Connection c) {
        if (!(c.getEndPoint() instanceof SocketChannelEndPoint) || !(c.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress a)) {
            return; // a connection above another one (HTTP over TLS): the TLS one below is tracked
        }
        InetAddress client = a.getAddress();
        int n = connections.merge(client, 1, Integer::sum);
        open.put(a, new Tracked(c, client, clock.getAsLong()));
        if (n > maxConnections) {
            refusedConnections.incrementAndGet();
            c.close();
        }
    }

    @Override
    public void onClosed(Connection c) {
        if (!(c.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress a)) {
            return;
        }
        Tracked t = open.get(a);
        if (t == null || t.connection != c) {
            return;
        }
        open.remove(a);
        connections.computeIfPresent(t.client, (k, v) -> v > 1 ? v - 1 : null);
    }

    /**
     * Closes the connections that have been idle past the header deadline: no request in progress
     * since they opened or since their last request ended. Called every second or so.
     */
    void sweep() {
        long now = clock.getAsLong();
        for (Tracked t : open.values()) {
            if (!t.cut && t.busy.get() == 0 && now - t.idleSince.get() > headerDeadlineNanos) {
                t.cut = true;
                headerTimeouts.incrementAndGet();
                t.connection.close();
            }
        }
    }

    /** Closes the connection a request arrived on (its body is past its deadline). */
    void abort(SocketAddress remote) {
        Tracked t = open.get(remote);
        if (t != null) {
            t.connection.close();
        }
    }

    // ------------------------------------------------------------------ requests

    /**
     * Starts a request of a client on a connection: false when the client already has its share
     * of requests in progress (the caller answers 429 and must still call {@link #end}).
     */
    boolean begin(SocketAddress remote, InetAddress client) {
        Tracked t = open.get(remote);
        if (t != null) {
            t.busy.incrementAndGet();
        }
        return requests.merge(client, 1, Integer::sum) <= maxRequests;
    }

    /** Ends a request begun with {@link #begin}. */
    void end(SocketAddress remote, InetAddress client) {
        Tracked t = open.get(remote);
        if (t != null) {
            t.idleSince.set(clock.getAsLong());
            t.busy.decrementAndGet();
        }
        requests.computeIfPresent(client, (k, v) -> v > 1 ? v - 1 : null);
    }

    /**
     * Takes one key upload from the client's allowance.
     *
     * @return 0 when allowed, else the seconds until one will be
     */
    long takeUpload(InetAddress client) {
        long now = clock.getAsLong();
        Bucket b = uploads.computeIfAbsent(client, k -> new Bucket(uploadsPerMinute, now));
        synchronized (b) {
            b.tokens = Math.min(uploadsPerMinute, b.tokens + (now - b.last) * 1e-9 * uploadsPerMinute / 60);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - b.tokens) * 60 / uploadsPerMinute);
        }
    }

    /** Open connections, connections refused at the per-client limit, connections cut at the header deadline. */
    long[] stats() {
        return new long[] {open.size(), refusedConnections.get(), headerTimeouts.get()};
    }
}
