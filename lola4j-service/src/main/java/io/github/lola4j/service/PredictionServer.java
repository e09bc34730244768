package io.github.lola4j.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyRequirements;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.EncryptedTensor;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.ring.Parallelism;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The prediction service: an HTTP(S) server (Jetty 12's core API, no servlets) hosting compiled
 * models. Clients upload their evaluation keys once and then send encrypted inputs; the server
 * evaluates the plan on the ciphertexts and returns the encrypted result. It never holds or
 * accepts a secret key (no type of it takes one; a secret-key object sent as keys is refused by
 * the deserializer), and it never decrypts.
 *
 * <p>Endpoints ({@link Protocol}): {@code GET /v1/health}, {@code GET /v1/metrics},
 * {@code GET /v1/models}, {@code GET /v1/models/NAME/plan}, {@code POST|DELETE /v1/keys},
 * {@code POST /v1/predict}. Errors are JSON {@code {"error":{"status","code","message"}}} with a
 * 4xx status for anything a client did wrong, including the requests the HTTP layer refuses
 * before they reach an endpoint (malformed, headers too large); an internal failure is a 500 whose
 * body says only that, with the detail in the server's log. No response carries a stack trace or
 * a key id. Every request, answered or cut off, leaves a log line and a metric.
 *
 * <p>No client can deny the others: headers must arrive within {@link Config#readTimeout}, a body
 * within that plus its length at {@link Config#minUploadRate} (else the connection is closed and
 * the request counted as a 408); one client (a remote address) may hold
 * {@link Config#maxConnectionsPerClient} connections and {@link Config#maxRequestsPerClient}
 * requests in progress, upload {@link Config#keyUploadsPerMinute} key sets a minute and hold
 * {@link Config#keyShare} of the key budget (429 with {@code Retry-After} beyond); the bodies
 * being read and the inputs waiting for evaluation share {@link Config#inFlightBudgetBytes} (503
 * beyond, never an {@code OutOfMemoryError}).
 *
 * <p>Concurrency: at most {@link Config#maxConcurrent} evaluations run at once; up to
 * {@link Config#queueCapacity} more wait; beyond that a request gets 503 with
 * {@code Retry-After}. {@link #close()} stops admitting requests (503 while draining), waits
 * for those in flight, then stops. Thread-safe.
 */
public final class PredictionServer implements AutoCloseable {

    /**
     * How a server runs. Defaults: loopback port 8080, as many concurrent evaluations as
     * processors, a queue of 16, 4 concurrent key uploads, keys expire after 1 hour without use,
     * a key budget of half the heap the models leave (their encoded weights and the working sets of
     * the concurrent evaluations) of which one client may hold a quarter, a quarter of it for
     * request bodies in flight, a 10 s header deadline, uploads of at least 32 KiB/s,
     * 64 connections, 8 requests in progress and 20 key uploads a minute per client, 30 s to
     * drain, no TLS.
     */
    public static final class Config {
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 8080);
        int maxConcurrent = Runtime.getRuntime().availableProcessors();
        int queueCapacity = 16;
        int maxUploads = 4;
        Duration keyTtl = Duration.ofHours(1);
        /** 0: half the heap the models leave. */
        long keyBudgetBytes;
        double keyShare = 0.25;
        /** 0: a quarter of the heap the models leave. */
        long inFlightBudgetBytes;
        java.util.function.Supplier<long[]> heap = PredictionServer::heapNow;
        Duration readTimeout = Duration.ofSeconds(10);
        long minUploadRate = 32 << 10;
        int maxConnectionsPerClient = 64;
        int maxRequestsPerClient = 8;
        int keyUploadsPerMinute = 20;
        int maxHeaderBytes = 8 << 10;
        int maxConnections = 1024;
        Duration drainTimeout = Duration.ofSeconds(30);
        SSLContext ssl;
        java.nio.channels.ServerSocketChannel channel;
        int threads = Runtime.getRuntime().availableProcessors();
        PrintStream log = System.err;
        Runnable beforeEvaluation = () -> { };
        java.util.function.LongSupplier clock = System::nanoTime;

        /** The defaults. */
        public Config() {
        }

        /**
         * The address to listen on; port 0 picks a free port ({@link #port()} tells which).
         *
         * @param address the socket address
         * @return this
         */
        public Config bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            this.channel = null;
            return this;
        }

        /**
         * Listens on a socket bound already by {@link PredictionServer#listen(InetSocketAddress)}:
         * a program that prepares its models for minutes binds first, so that a port in use is
         * reported at once and not after the work. The server closes the socket when it stops.
         *
         * @param listening the bound socket; its address replaces {@link #bind}
         * @return this
         * @throws IOException when the socket is not bound
         */
        public Config listening(java.nio.channels.ServerSocketChannel listening) throws IOException {
            Objects.requireNonNull(listening, "listening");
            if (!(listening.getLocalAddress() instanceof InetSocketAddress a)) {
                throw new IllegalArgumentException("listening: the socket is not bound");
            }
            this.bind = a;
            this.channel = listening;
            return this;
        }

        /**
         * Evaluations that may run at once.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxConcurrent(int n) {
            this.maxConcurrent = atLeast(n, 1, "maxConcurrent");
            return this;
        }

        /**
         * Requests that may wait for an evaluation slot; more get 503.
         *
         * @param n at least 0
         * @return this
         */
        public Config queueCapacity(int n) {
            this.queueCapacity = atLeast(n, 0, "queueCapacity");
            return this;
        }

        /**
         * Key uploads that may be read at once (all clients together); more get 503.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxUploads(int n) {
            this.maxUploads = atLeast(n, 1, "maxUploads");
            return this;
        }

        /**
         * How long keys live without use.
         *
         * @param ttl positive
         * @return this
         */
        public Config keyTtl(Duration ttl) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("keyTtl must be positive, got " + ttl);
            }
            this.keyTtl = ttl;
            return this;
        }

        /**
         * The memory all clients' keys may take together (their in-memory size); by default half the
         * heap the models leave (the heap's maximum minus what it holds once the models are prepared,
         * minus the working sets of the concurrent evaluations).
         *
         * @param bytes positive
         * @return this
         */
        public Config keyBudgetBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("keyBudgetBytes must be positive, got " + bytes);
            }
            this.keyBudgetBytes = bytes;
            return this;
        }

        /**
         * The share of the key budget one client (remote address) may hold: a client re-uploading
         * keys cannot fill the store for the others. Behind a reverse proxy every client has the
         * proxy's address: raise it to 1, and set per-client limits at the proxy.
         *
         * @param fraction in (0, 1]
         * @return this
         */
        public Config keyShare(double fraction) {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("keyShare must be in (0, 1], got " + fraction);
            }
            this.keyShare = fraction;
            return this;
        }

        /**
         * The memory the request bodies being read and the inputs waiting for an evaluation may take
         * together (their decoded size); a request that does not fit gets 503 with Retry-After. By
         * default a quarter of the heap the models leave.
         *
         * @param bytes positive
         * @return this
         */
        public Config inFlightBudgetBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("inFlightBudgetBytes must be positive, got " + bytes);
            }
            this.inFlightBudgetBytes = bytes;
            return this;
        }

        /**
         * The header deadline: a request's headers must arrive within this long of the connection's
         * opening or of its previous request's end (an idle connection is closed after it too), and a
         * stalled body is cut off after it.
         *
         * @param timeout at least 100 ms
         * @return this
         */
        public Config readTimeout(Duration timeout) {
            if (timeout.toMillis() < 100) {
                throw new IllegalArgumentException("readTimeout must be at least 100 ms, got " + timeout);
            }
            this.readTimeout = timeout;
            return this;
        }

        /**
         * The slowest upload accepted: a body must arrive within the read timeout plus its length at
         * this rate.
         *
         * @param bytesPerSecond at least 1
         * @return this
         */
        public Config minUploadRate(long bytesPerSecond) {
            if (bytesPerSecond < 1) {
                throw new IllegalArgumentException("minUploadRate must be at least 1 byte/s, got " + bytesPerSecond);
            }
            this.minUploadRate = bytesPerSecond;
            return this;
        }

        /**
         * Connections one client (remote address) may hold open; more are closed at once.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxConnectionsPerClient(int n) {
            this.maxConnectionsPerClient = atLeast(n, 1, "maxConnectionsPerClient");
            return this;
        }

        /**
         * Requests one client may have in progress; more get 429.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxRequestsPerClient(int n) {
            this.maxRequestsPerClient = atLeast(n, 1, "maxRequestsPerClient");
            return this;
        }

        /**
         * Key uploads one client may make per minute (a burst of that many, then at that rate); more get 429.
         *
         * @param n at least 1
         * @return this
         */
        public Config keyUploadsPerMinute(int n) {
            this.keyUploadsPerMinute = atLeast(n, 1, "keyUploadsPerMinute");
            return this;
        }

        /**
         * The largest request head (request line and headers); larger ones get 431.
         *
         * @param bytes at least 1024
         * @return this
         */
        public Config maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = atLeast(bytes, 1024, "maxHeaderBytes");
            return this;
        }

        /**
         * Connections the server holds open in all; beyond, it stops accepting until some close.
         *
         * @param n at least 1
         * @return this
         */
        public Config maxConnections(int n) {
            this.maxConnections = atLeast(n, 1, "maxConnections");
            return this;
        }

        /**
         * How long {@link PredictionServer#close()} waits for the requests in flight.
         *
         * @param timeout not negative
         * @return this
         */
        public Config drainTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, got " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /**
         * Serves HTTPS with this context (its key managers hold the server's certificate).
         *
         * @param context the TLS context, or null for plain HTTP
         * @return this
         */
        public Config tls(SSLContext context) {
            this.ssl = context;
            return this;
        }

        /**
         * The threads of the one pool the evaluations share.
         *
         * @param n at least 1
         * @return this
         */
        public Config threads(int n) {
            this.threads = atLeast(n, 1, "threads");
            return this;
        }

        /**
         * Where the server logs one line per request (never a key id or a body).
         *
         * @param out the stream
         * @return this
         */
        public Config log(PrintStream out) {
            this.log = Objects.requireNonNull(out, "log");
            return this;
        }

        /** The heap as {max, used} (tests pretend a small one). */
        Config heap(java.util.function.Supplier<long[]> measure) {
            this.heap = measure;
            return this;
        }

        Config beforeEvaluation(Runnable hook) {
            this.beforeEvaluation = hook;
            return this;
        }

        private static int atLeast(int n, int min, String what) {
            if (n < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
            }
            return n;
        }
    }

    /** A failure to report to the client. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        final Map<String, String> headers = new LinkedHashMap<>();

        ApiError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        /** Whether the rest of the body is left unread and the connection closed (a client over its quota). */
        boolean closing;

        ApiError header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        ApiError closing() {
            closing = true;
            return this;
        }
    }

    /** The request body failed to arrive in time; the connection has been closed. */
    private static final class BodyTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTimeout(String message) {
            super(message);
        }
    }

    /** One request and its response, as the endpoints use them (blocking I/O on a pool thread). */
    private static final class Exchange {
        final Request request;
        final Response response;
        final InetAddress client;
        final SocketAddress remote;
        /** The body's transport failed (broken framing, cut off): nothing more can be read from it. */
        boolean bodyBroken;
        /** Ends the request's share of its client's limit; run before the answer's last bytes leave. */
        private Runnable release = () -> { };

        void onRespond(Runnable r) {
            this.release = r;
        }

        /**
         * Releases the client's slot (once): before the answer is complete, so that a client that
         * sends its next request the moment it has this answer never finds its slot still taken.
         */
        void released() {
            Runnable r = release;
            release = () -> { };
            r.run();
        }

        Exchange(Request request, Response response) {
            this.request = request;
            this.response = response;
            this.remote = request.getConnectionMetaData().getRemoteSocketAddress();
            this.client = remote instanceof InetSocketAddress a ? a.getAddress() : InetAddress.getLoopbackAddress();
        }

        String method() {
            return request.getMethod();
        }

        String path() {
            return request.getHttpURI().getPath();
        }

        String rawQuery() {
            return request.getHttpURI().getQuery();
        }

        List<String> headers(String name) {
            return request.getHeaders().getValuesList(name);
        }

        String header(String name) {
            return request.getHeaders().get(name);
        }

        InputStream body() {
            return Content.Source.asInputStream(request);
        }

        void setHeader(String name, String value) {
            response.getHeaders().put(name, value);
        }

        boolean committed() {
            return response.isCommitted();
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Map<String, HostedModel> models = new LinkedHashMap<>();
    private final Config config;
    private final Server jetty;
    private final ServerConnector connector;
    private final ForkJoinPool pool;
    private final Parallelism parallelism;
    private final EvaluationKeyStore keys;
    private final ClientGuard guard;
    private final ScheduledExecutorService timers;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Semaphore admitted;
    private final Semaphore running;
    private final Semaphore uploads;
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong bodyTimeouts = new AtomicLong();
    private final long keyBudget;
    private final long inFlightBudget;
    /** The most of a refused request's body that is read and dropped so the client sees the answer. */
    private final long drainLimit;
    private volatile boolean draining;
    private volatile boolean closed;

    /** The heap now, {max, used}, after a collection so that garbage does not count as used. */
    private static long[] heapNow() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return new long[] {rt.maxMemory(), rt.totalMemory() - rt.freeMemory()};
    }

    /**
     * The memory the budgets may share once the models are loaded: the heap's maximum minus what it
     * holds (the prepared plans' encoded weights among it) minus the working sets of the concurrent
     * evaluations. Refuses to start when that cannot hold one client's keys and one input.
     */
    private static long[] budgets(List<HostedModel> hosted, Config config) throws IOException {
        long working = 0;
        long weights = 0;
        long smallestClient = Long.MAX_VALUE;
        for (HostedModel m : hosted) {
            Plan.MemoryEstimate e = m.plan().memoryEstimate(config.threads);
            working = Math.max(working, e.workingSet());
            weights += e.encodedWeights();
            smallestClient = Math.min(smallestClient, e.evaluationKeys() + inputMemory(m.plan()));
        }
        long[] heap = config.heap.get();
        long left = heap[0] - heap[1] - config.maxConcurrent * working;
        long keyBudget = config.keyBudgetBytes > 0 ? config.keyBudgetBytes : left / 2;
        long inFlight = config.inFlightBudgetBytes > 0 ? config.inFlightBudgetBytes : left / 4;
        if (left < smallestClient || keyBudget < 1 || inFlight < 1) {
            throw new IOException(String.format(Locale.ROOT, "the models do not leave room for one client: the JVM may use %.1f GiB,"
                    + " %.1f GiB is taken (encoded weights about %.1f GiB), %d concurrent evaluations need %.1f GiB, and one client's"
                    + " keys and input need %.2f GiB; give the server more heap (java -Xmx...), host fewer models, or lower"
                    + " --max-concurrent", heap[0] / GIB, heap[1] / GIB, weights / GIB, config.maxConcurrent,
                    config.maxConcurrent * working / GIB, smallestClient / GIB));
        }
        return new long[] {keyBudget, inFlight, weights, config.maxConcurrent * working};
    }

    private static final double GIB = 1L << 30;

    private PredictionServer(List<HostedModel> hosted, Config config, long keyBudget, long inFlightBudget) {
        if (hosted.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one model");
        }
        for (HostedModel m : hosted) {
            if (models.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two models are named '" + m.name() + "'");
            }
        }
        this.config = config;
        long largest = 1 << 20;
        for (HostedModel m : hosted) {
            largest = Math.max(largest, Math.max(m.maxKeyBytes(), m.maxInputBytes()));
        }
        this.drainLimit = 2 * largest;
        this.keyBudget = keyBudget;
        this.inFlightBudget = inFlightBudget;
        this.keys = new EvaluationKeyStore(config.keyTtl.toNanos(), keyBudget, Math.max(1, (long) (keyBudget * config.keyShare)),
                config.clock, new SecureRandom());
        this.guard = new ClientGuard(config.maxConnectionsPerClient, config.maxRequestsPerClient, config.keyUploadsPerMinute,
                config.readTimeout.toNanos(), config.clock);
        this.admitted = new Semaphore(config.maxConcurrent + config.queueCapacity);
        this.running = new Semaphore(config.maxConcurrent, true);
        this.uploads = new Semaphore(config.maxUploads);
        this.pool = new ForkJoinPool(config.threads);
        this.parallelism = Parallelism.of(pool);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lola4j-http-timers");
            t.setDaemon(true);
            return t;
        });
        // Handler threads block (reading bodies, waiting for an evaluation slot): the pool has one per
        // request the limits can admit and at least Jetty's default 200, so that a few clients each
        // at their own limit of requests in progress cannot take every thread.
        int handlers = Math.max(200, config.maxConcurrent + config.queueCapacity + config.maxUploads + 8);
        QueuedThreadPool threads = new QueuedThreadPool(handlers, 4);
        threads.setName("lola4j-http");
        threads.setDaemon(true);
        this.jetty = new Server(threads);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setRequestHeaderSize(config.maxHeaderBytes);
        hc.setSendServerVersion(false);
        hc.setSendXPoweredBy(false);
        HttpConnectionFactory http = new HttpConnectionFactory(hc);
        if (config.ssl != null) {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setSslContext(config.ssl);
            this.connector = new ServerConnector(jetty, 1, 1, new SslConnectionFactory(tls, "http/1.1"), http);
        } else {
            this.connector = new ServerConnector(jetty, 1, 1, http);
        }
        connector.setHost(config.bind.getAddress().getHostAddress());
        connector.setPort(config.bind.getPort());
        connector.setIdleTimeout(config.readTimeout.toMillis());

        connector.addBean(guard);
        jetty.addConnector(connector);
        jetty.addBean(new NetworkConnectionLimit(config.maxConnections, jetty));
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                PredictionServer.this.handle(request, response, callback);
                return true;
            }
        });
        jetty.setErrorHandler(new JsonErrors());
        jetty.setStopTimeout(0);
    }

    /**
     * Binds a listening socket on {@code address} now, for {@link Config#listening}: the port is
     * taken (or refused) before the models are prepared.
     *
     * @param address where to listen; port 0 picks a free one
     * @return the bound socket
     * @throws IOException naming the address when it cannot be bound (a port another program holds)
     */
    public static java.nio.channels.ServerSocketChannel listen(InetSocketAddress address) throws IOException {
        java.nio.channels.ServerSocketChannel ch = java.nio.channels.ServerSocketChannel.open();
        try {
            // as Jetty binds its own: a restarted server may take the port while old connections linger
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, 0);
            return ch;
        } catch (IOException e) {
            ch.close();
            String why = e instanceof java.net.BindException && e.getMessage() != null ? e.getMessage().toLowerCase(Locale.ROOT)
                    : String.valueOf(e.getMessage());
            throw new IOException("cannot listen on " + address.getAddress().getHostAddress() + ":" + address.getPort() + ": " + why,
                    e);
        }
    }

    /**
     * Starts a server.
     *
     * @param models the models to host (distinct names); their weight encodings are prepared first
     * @param config how to run
     * @return the running server
     * @throws IOException when the address cannot be bound, or the models leave no room in the heap
     *                     for one client's keys and input
     */
    public static PredictionServer start(List<HostedModel> models, Config config) throws IOException {
        long[] b;
        try {
            for (HostedModel m : models) {
                m.plan().prepare();
            }
            b = budgets(models, config);
        } catch (IOException | RuntimeException e) {
            if (config.channel != null) {
                config.channel.close(); // a socket given to a server that never ran is not left open
            }
            throw e;
        }
        PredictionServer s = new PredictionServer(List.copyOf(models), config, b[0], b[1]);
        s.started.set(System.nanoTime());
        try {
            if (config.channel != null) {
                s.connector.open(config.channel);
            }
            s.jetty.start();
        } catch (Exception e) {
            s.shutdownQuietly();
            if (e instanceof IOException io) {
                throw new IOException("cannot listen on " + config.bind.getAddress().getHostAddress() + ":" + config.bind.getPort()
                        + ": " + io.getMessage(), io);
            }
            throw new IOException("the HTTP server did not start: " + e.getMessage(), e);
        }
        long tick = Math.max(100, Math.min(1000, config.readTimeout.toMillis() / 4));
        s.timers.scheduleWithFixedDelay(s.guard::sweep, tick, tick, TimeUnit.MILLISECONDS);
        s.config.log.println("lola4j service listening on " + s.uri() + " with " + s.models.keySet());
        s.config.log.printf(Locale.ROOT, "memory: encoded weights %.2f GiB, working sets %.2f GiB, key budget %.2f GiB, in-flight"
                + " budget %.2f GiB%n", b[2] / GIB, b[3] / GIB, b[0] / GIB, b[1] / GIB);
        return s;
    }

    private void shutdownQuietly() {
        try {
            jetty.stop();
        } catch (Exception ignored) {
            // not started, or stopping anyway
        }
        timers.shutdownNow();
        pool.shutdown();
    }

    /** The port it listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The base URI, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        InetAddress a = config.bind.getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]"
                : a.getHostAddress();
        return URI.create((config.ssl != null ? "https" : "http") + "://" + host + ":" + port());
    }

    /**
     * Stops admitting requests, waits up to the drain timeout for those in flight, then stops the
     * listener and the threads. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        draining = true;
        long deadline = System.nanoTime() + config.drainTimeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = inFlight.get();
        shutdownQuietly();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        config.log.println("lola4j service stopped" + (left > 0 ? " (" + left + " requests still in flight at the drain timeout)" : ""));
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(Request request, Response response, Callback callback) {
        long t0 = System.nanoTime();
        Exchange ex = new Exchange(request, response);
        String endpoint = endpointName(ex.path());
        int status;
        inFlight.incrementAndGet();
        boolean admittedClient = guard.begin(ex.remote, ex.client);
        ex.onRespond(() -> guard.end(ex.remote, ex.client));
        Throwable failure = null;
        try {
            if (!admittedClient && !endpoint.equals(Protocol.HEALTH)) {
                throw new ApiError(429, "too_many_requests", "this client has " + config.maxRequestsPerClient
                        + " requests in progress already; wait for them").header("Retry-After", "1").closing();
            }
            status = route(ex);
        } catch (ApiError e) {
            status = sendError(ex, e);
        } catch (BodyTimeout e) {
            bodyTimeouts.incrementAndGet();
            status = 408;
            failure = e;
        } catch (IOException | RuntimeException e) {
            HttpException h = httpFailure(e);
            if (h != null || e instanceof IOException) {
                // the body's framing is broken (a malformed chunk), or the client went away
                int code = h != null ? h.getCode() : 400;
                ex.bodyBroken = true;
                status = sendError(ex, new ApiError(code, "bad_request", "the request could not be read: "
                        + abbreviate(String.valueOf(e.getMessage()))));
                if (status != code) {
                    failure = e;
                }
            } else {
                config.log.println("internal error on " + ex.method() + " " + endpoint + ": " + e);
                status = sendError(ex, new ApiError(500, "internal_error", "the server failed on this request; it has been logged"));
            }
        } catch (Error e) {
            config.log.println("internal error on " + ex.method() + " " + endpoint + ": " + e);
            status = sendError(ex, new ApiError(500, "internal_error", "the server failed on this request; it has been logged"));
        } finally {
            ex.released();
            inFlight.decrementAndGet();
        }
        if (failure != null) {
            callback.failed(failure);
        } else {
            callback.succeeded();
        }
        metrics.request(endpoint, status);
        config.log.printf(Locale.ROOT, "%s %s %d %.3f s%n", ex.method(), endpoint, status, (System.nanoTime() - t0) * 1e-9);
    }

    /** The endpoint for logs and metrics: a fixed name, never a client-chosen path. */
    private static String endpointName(String path) {
        if (path == null) {
            return "other";
        }
        if (path.startsWith(Protocol.MODELS + "/") && path.endsWith(Protocol.PLAN_SUFFIX)) {
            return Protocol.MODELS + "/{name}" + Protocol.PLAN_SUFFIX;
        }
        switch (path) {
            case Protocol.HEALTH:
            case Protocol.METRICS:
            case Protocol.MODELS:
            case Protocol.KEYS:
            case Protocol.PREDICT:
                return path;
            default:
                return "other";
        }
    }

    private int route(Exchange ex) throws IOException, ApiError {
        String method = ex.method();
        String path = ex.path() == null ? "" : ex.path();
        switch (path) {
            case Protocol.HEALTH:
                requireMethod(method, "GET");
                return health(ex);
            case Protocol.METRICS:
                requireMethod(method, "GET");
                return sendJson(ex, 200, metricsJson());
            case Protocol.MODELS:
                requireMethod(method, "GET");
                return sendJson(ex, 200, Map.of("models", modelsJson()));
            case Protocol.KEYS:
                if (method.equals("DELETE")) {
                    return deleteKeys(ex);
                }
                requireMethod(method, "POST", "DELETE");
                return uploadKeys(ex);
            case Protocol.PREDICT:
                requireMethod(method, "POST");
                return predict(ex);
            default:
                if (path.startsWith(Protocol.MODELS + "/") && path.endsWith(Protocol.PLAN_SUFFIX)) {
                    requireMethod(method, "GET");
                    String name = path.substring(Protocol.MODELS.length() + 1, path.length() - Protocol.PLAN_SUFFIX.length());
                    String decoded;
                    try {
                        decoded = URLDecoder.decode(name, StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "bad_path", "the model name in the path is not URL-encoded correctly");
                    }
                    return sendBytes(ex, 200, Protocol.CLIENT_PLAN_TYPE, model(decoded).planBytesShared());
                }
                throw new ApiError(404, "not_found", "no such endpoint; the API is under " + Protocol.PREFIX
                        + " (health, metrics, models, models/NAME/plan, keys, predict)");
        }
    }

    private static void requireMethod(String method, String... allowed) throws ApiError {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new ApiError(405, "method_not_allowed", "method " + abbreviate(method) + " is not allowed here; use "
                + String.join(" or ", allowed)).header("Allow", String.join(", ", allowed));
    }

    // ------------------------------------------------------------------ endpoints

    private int health(Exchange ex) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", draining ? "draining" : "ok");
        m.put("models", models.size());
        m.put("uptime_s", (System.nanoTime() - started.get()) * 1e-9);
        return sendJson(ex, draining ? 503 : 200, m);
    }

    private Map<String, Object> metricsJson() {
        Map<String, Object> m = metrics.snapshot();
        m.put("in_flight_evaluations", config.maxConcurrent - running.availablePermits());
        m.put("queue_length", waiting.get());
        m.put("max_concurrent", config.maxConcurrent);
        m.put("queue_capacity", config.queueCapacity);
        m.put("in_flight_bytes", inFlightBytes.get());
        m.put("in_flight_budget_bytes", inFlightBudget);
        long[] g = guard.stats();
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("open", g[0]);
        cm.put("refused_per_client", g[1]);
        cm.put("header_timeouts", g[2]);
        cm.put("body_timeouts", bodyTimeouts.get());
        m.put("connections", cm);
        long[] k = keys.stats();
        Map<String, Object> km = new LinkedHashMap<>();
        km.put("stored", k[0]);
        km.put("distinct", k[3]);
        km.put("bytes", k[1]);
        km.put("budget_bytes", keyBudget);
        km.put("per_client_bytes", (long) (keyBudget * config.keyShare));
        km.put("expired", k[2]);
        km.put("ttl_s", config.keyTtl.toSeconds());
        m.put("keys", km);
        return m;
    }

    private List<Map<String, Object>> modelsJson() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (HostedModel h : models.values()) {
            Plan p = h.plan();
            ClientPlan c = p.clientPlan();
            CkksParameters params = p.parameters();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("plan_fingerprint", String.format("%016x", p.fingerprint()));
            m.put("plan", Protocol.MODELS + "/" + h.name() + Protocol.PLAN_SUFFIX);
            m.put("input_shape", c.inputShape().dims());
            Map<String, Object> norm = new LinkedHashMap<>();
            norm.put("scale", c.normalization().scales());
            norm.put("offset", c.normalization().offsets());
            m.put("input_normalization", norm);
            m.put("outputs", c.outputSize());
            m.put("batch", p.isBatch() ? p.batchSize() : 0);
            m.put("input_representation", c.inputRepresentation().describe());
            m.put("output_representation", c.outputRepresentation().describe());
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("ring_degree", params.ringDegree());
            pm.put("slots", params.slots());
            pm.put("prime_bits", bits(params.primes()));
            pm.put("special_prime_bits", bits(params.specialPrimes()));
            pm.put("dnum", params.dnum());
            pm.put("scale_bits", Math.log(params.defaultScale()) / Math.log(2));
            pm.put("log2_qp", params.log2QP());
            pm.put("security", params.securityLevel().name());
            pm.put("fingerprint", String.format("%016x", params.fingerprint()));
            m.put("parameters", pm);
            KeyRequirements r = p.keyRequirements();
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("relinearization", r.needsRelinearization());
            km.put("conjugation", r.needsConjugation());
            km.put("rotations", new ArrayList<>(r.rotations()));
            // the highest level each key is used at: keys made for those levels only are smaller
            List<Integer> levels = new ArrayList<>();
            for (int s : r.rotations()) {
                levels.add(r.rotationLevel(s, params));
            }
            km.put("rotation_levels", levels);
            if (r.needsRelinearization()) {
                km.put("relinearization_level", r.relinearizationLevel(params));
            }
            km.put("seeded_bytes", CkksSerializer.evaluationKeysSize(params, r, CkksSerializer.Form.SEEDED));
            km.put("max_upload_bytes", h.maxKeyBytes());
            m.put("keys", km);
            m.put("input_bytes_seeded", c.inputBytes(true));
            m.put("max_input_bytes", h.maxInputBytes());
            m.put("output_bytes", c.outputBytes());
            m.put("depth", p.depth());
            m.put("predicted_seconds", p.predictedSeconds());
            out.add(m);
        }
        return out;
    }

    private static int[] bits(long[] primes) {
        int[] b = new int[primes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = 64 - Long.numberOfLeadingZeros(primes[i]);
        }
        return b;
    }

    private int uploadKeys(Exchange ex) throws IOException, ApiError {
        refuseWhileDraining();
        HostedModel m = model(queryModel(ex));
        requireType(ex, Protocol.EVALUATION_KEYS_TYPE);
        long declared = requireLength(ex, m.maxKeyBytes(), "an evaluation key upload for '" + m.name() + "'");
        long wait = guard.takeUpload(ex.client);
        if (wait > 0) {
            throw new ApiError(429, "too_many_key_uploads", "this client has uploaded " + config.keyUploadsPerMinute
                    + " key sets in the last minute; keys are registered once and used for every prediction")
                    .header("Retry-After", Long.toString(wait)).closing();
        }
        if (!uploads.tryAcquire()) {
            throw busy("key uploads", config.maxUploads);
        }
        // the keys decoded take about what their full serialized form does; twice that covers the reading
        long reserved = reserve(2 * m.maxKeyBytes());
        try {
            Plan plan = m.plan();
            LimitedInputStream body = new LimitedInputStream(ex.body(), m.maxKeyBytes());
            java.security.MessageDigest sha = KeysDigest.sha256();
            EvaluationKeys evk = readBody(ex, declared, m.maxKeyBytes(), () -> {
                try {
                    EvaluationKeys k = new CkksSerializer(plan.parameters()).readEvaluationKeys(
                            new java.security.DigestInputStream(body, sha));
                    requireEnd(body, "the evaluation keys");
                    return k;
                } catch (LimitedInputStream.TooLarge e) {
                    throw tooLarge(m.maxKeyBytes(), "an evaluation key upload for '" + m.name() + "'");
                }
            }, e -> new ApiError(400, "invalid_keys", "the body is not evaluation keys of model '" + m.name() + "': "
                    + e.getMessage()));
            requireCovers(evk, plan);
            KeysDigest digest = KeysDigest.ofBytes(sha.digest());
            KeyId id;
            try {
                id = keys.register(m.name(), plan.fingerprint(), evk, digest, ex.client);
            } catch (EvaluationKeyStore.LookupException e) {
                throw new ApiError(e.status, e.code, e.getMessage()).header("Retry-After", "60");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("key_id", id.value());
            r.put("keys_digest", digest.hex());
            r.put("model", m.name());
            r.put("bytes", body.count());
            r.put("expires_after_idle_s", config.keyTtl.toSeconds());
            return sendJson(ex, 201, r);
        } finally {
            release(reserved);
            uploads.release();
        }
    }

    private static void requireCovers(EvaluationKeys evk, Plan plan) throws ApiError {
        java.util.Optional<String> lack = evk.shortfall(plan.keyRequirements());
        if (lack.isPresent()) {
            throw new ApiError(400, "missing_keys", lack.get() + " the plan needs (the model's key requirements are in GET "
                    + Protocol.MODELS + ")");
        }
    }

    private int deleteKeys(Exchange ex) throws IOException, ApiError {
        KeyId id = keyId(ex);
        if (!keys.remove(id)) {
            throw new ApiError(404, "unknown_key_id", "unknown or expired key id");
        }
        ex.response.setStatus(204);
        ex.setHeader("Cache-Control", "no-store");
        ex.released();
        Content.Sink.write(ex.response, true, ByteBuffer.allocate(0));
        return 204;
    }

    private int predict(Exchange ex) throws IOException, ApiError {
        long t0 = System.nanoTime();
        refuseWhileDraining();
        HostedModel m = model(queryModel(ex));
        requireType(ex, Protocol.TENSOR_TYPE);
        long declared = requireLength(ex, m.maxInputBytes(), "an encrypted input of '" + m.name() + "'");
        KeyId id = keyId(ex);
        KeysDigest digest = keysDigest(ex);
        Plan plan = m.plan();
        EvaluationKeys evk;
        try {
            evk = keys.lookup(id, m.name(), plan.fingerprint(), digest);
        } catch (EvaluationKeyStore.LookupException e) {
            throw new ApiError(e.status, e.code, e.getMessage());
        }
        long reserved = reserve(inputMemory(plan));
        try {
            LimitedInputStream body = new LimitedInputStream(ex.body(), m.maxInputBytes());
            EncryptedTensor x = readBody(ex, declared, m.maxInputBytes(), () -> {
                try {
                    EncryptedTensor t = plan.clientPlan().readInput(body);
                    requireEnd(body, "the encrypted input");
                    return t;
                } catch (LimitedInputStream.TooLarge e) {
                    throw tooLarge(m.maxInputBytes(), "an encrypted input of '" + m.name() + "'");
                }
            }, e -> new ApiError(400, "invalid_input", "the body is not an encrypted input of model '" + m.name() + "': "
                    + e.getMessage()));
            if (!admitted.tryAcquire()) {
                throw busy("evaluations", config.maxConcurrent + config.queueCapacity);
            }
            try {
                waiting.incrementAndGet();
                try {
                    running.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ApiError(503, "shutting_down", "the server is shutting down").header("Retry-After", "5");
                } finally {
                    waiting.decrementAndGet();
                }
                EncryptedTensor y;
                double evalSeconds;
                try {
                    config.beforeEvaluation.run();
                    long e0 = System.nanoTime();
                    y = plan.evaluate(x, evk, parallelism);
                    evalSeconds = (System.nanoTime() - e0) * 1e-9;
                } finally {
                    running.release();
                }
                ex.response.setStatus(200);
                ex.setHeader("Content-Type", Protocol.TENSOR_TYPE);
                ex.setHeader("Cache-Control", "no-store");
                ex.setHeader(Protocol.SERVER_SECONDS_HEADER, String.format(Locale.ROOT, "%.6f", evalSeconds));
                ex.response.getHeaders().put("Content-Length", plan.clientPlan().outputBytes());
                ex.released();
                try (OutputStream out = Content.Sink.asOutputStream(ex.response)) {
                    plan.clientPlan().writeTensor(out, y);
                }
                metrics.prediction((System.nanoTime() - t0) * 1e-9, evalSeconds);
                return 200;
            } finally {
                admitted.release();
            }
        } finally {
            release(reserved);
        }
    }

    /** The decoded size of an input and its result: what one request holds until it is answered. */
    /** A predict request's tensors in memory: the decoded input and the result. */
    private static long inputMemory(Plan plan) {
        ClientPlan c = plan.clientPlan();
        return c.inputMemoryBytes() + c.outputMemoryBytes();
    }

    // ------------------------------------------------------------------ budgets and bodies

    /** Reserves memory of the in-flight budget, or refuses with 503. */
    private long reserve(long bytes) throws ApiError {
        while (true) {
            long now = inFlightBytes.get();
            if (now + bytes > inFlightBudget && now > 0) {
                throw new ApiError(503, "server_memory_full", "the server holds as many requests in memory as its budget allows ("
                        + inFlightBudget + " bytes); retry shortly").header("Retry-After", "2");
            }
            if (inFlightBytes.compareAndSet(now, now + bytes)) {
                return bytes;
            }
        }
    }

    private void release(long bytes) {
        inFlightBytes.addAndGet(-bytes);
    }

    /** A body's deadline: when it passes, the connection is closed, which ends a blocked read. */
    private record BodyDeadline(ScheduledFuture<?> timer, AtomicBoolean passed, long millis) {
    }

    /**
     * Starts the deadline of a body of a size: the read timeout plus the size at the minimum
     * upload rate. The caller cancels {@code timer} once the body is read.
     */
    private BodyDeadline bodyDeadline(Exchange ex, long bytes) {
        long millis = config.readTimeout.toMillis() + bytes * 1000 / config.minUploadRate;
        AtomicBoolean passed = new AtomicBoolean();
        ScheduledFuture<?> timer = timers.schedule(() -> {
            passed.set(true);
            guard.abort(ex.remote);
        }, millis, TimeUnit.MILLISECONDS);
        return new BodyDeadline(timer, passed, millis);
    }

    /** Reads a body. */
    private interface BodyReader<T> {
        T read() throws IOException, ApiError;
    }

    /**
     * Reads a request body within its deadline: the read timeout plus its length (declared, else
     * the limit) at the minimum upload rate. Past it the connection is closed, which ends the
     * blocked read; the request counts as a 408. A body that is not what it should be is the
     * caller's 400.
     */
    private <T> T readBody(Exchange ex, long declared, long limit, BodyReader<T> reader,
            java.util.function.Function<IOException, ApiError> invalid) throws IOException, ApiError {
        BodyDeadline deadline = bodyDeadline(ex, declared >= 0 ? declared : limit);
        try {
            return reader.read();
        } catch (IOException | RuntimeException e) {
            if (deadline.passed.get()) {
                throw new BodyTimeout("the body did not arrive within " + deadline.millis + " ms");
            }
            if (stalled(e)) {
                ex.bodyBroken = true;
                bodyTimeouts.incrementAndGet();
                throw new ApiError(408, "body_timeout", "the request body stalled for " + config.readTimeout.toMillis()
                        + " ms; the connection is closed");
            }
            HttpException h = httpFailure(e);
            if (h != null) {
                ex.bodyBroken = true;
                throw new ApiError(h.getCode(), "bad_request", "the request body could not be read: "
                        + abbreviate(String.valueOf(h.getReason())));
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw invalid.apply((IOException) e);
        } finally {
            deadline.timer.cancel(false);
        }
    }

    /** Whether a failure comes from the connection's idle timeout: the client stopped sending. */
    private static boolean stalled(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP layer's own 4xx verdict on a request (a malformed chunk, say) in a failure's causes, or null. */
    private static HttpException httpFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
                return h;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ request checks

    private void refuseWhileDraining() throws ApiError {
        if (draining) {
            throw new ApiError(503, "shutting_down", "the server is shutting down").header("Retry-After", "5");
        }
    }

    private static ApiError busy(String what, int limit) {
        return new ApiError(503, "busy", "the server is at its limit of " + limit + " concurrent " + what + "; retry shortly")
                .header("Retry-After", "1");
    }

    private static ApiError tooLarge(long limit, String what) {
        return new ApiError(413, "body_too_large", "the body exceeds the " + limit + " bytes of " + what);
    }

    private HostedModel model(String name) throws ApiError {
        HostedModel m = models.get(name);
        if (m == null) {
            throw new ApiError(404, "unknown_model", "no model named '" + abbreviate(name) + "'; GET " + Protocol.MODELS
                    + " lists them");
        }
        return m;
    }

    private static String queryModel(Exchange ex) throws ApiError {
        String q = ex.rawQuery();
        String model = null;
        if (q != null) {
            for (String part : q.split("&")) {
                int eq = part.indexOf('=');
                String k = eq < 0 ? part : part.substring(0, eq);
                if (k.equals("model")) {
                    if (model != null) {
                        throw new ApiError(400, "bad_query", "the query names the model twice");
                    }
                    try {
                        model = URLDecoder.decode(eq < 0 ? "" : part.substring(eq + 1), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "bad_query", "the model parameter is not URL-encoded correctly");
                    }
                }
            }
        }
        if (model == null || model.isEmpty()) {
            throw new ApiError(400, "missing_model", "the query must name the model: ?model=NAME");
        }
        return model;
    }

    private static KeyId keyId(Exchange ex) throws ApiError {
        List<String> v = ex.headers(Protocol.KEY_ID_HEADER);
        if (v == null || v.isEmpty()) {
            throw new ApiError(401, "missing_key_id", "the request needs the " + Protocol.KEY_ID_HEADER
                    + " header that POST " + Protocol.KEYS + " returned");
        }
        if (v.size() > 1) {
            throw new ApiError(400, "malformed_key_id", "the " + Protocol.KEY_ID_HEADER + " header appears more than once");
        }
        try {
            return KeyId.parse(v.get(0));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed_key_id", "malformed " + Protocol.KEY_ID_HEADER + " header: " + e.getMessage());
        }
    }

    private static KeysDigest keysDigest(Exchange ex) throws ApiError {
        List<String> v = ex.headers(Protocol.KEYS_DIGEST_HEADER);
        if (v == null || v.isEmpty()) {
            throw new ApiError(400, "missing_keys_digest", "the request needs the " + Protocol.KEYS_DIGEST_HEADER
                    + " header: the keys_digest that POST " + Protocol.KEYS + " returned for the key id");
        }
        if (v.size() > 1) {
            throw new ApiError(400, "malformed_keys_digest", "the " + Protocol.KEYS_DIGEST_HEADER + " header appears more than once");
        }
        try {
            return KeysDigest.parse(v.get(0));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed_keys_digest", "malformed " + Protocol.KEYS_DIGEST_HEADER + " header: " + e.getMessage());
        }
    }

    private static void requireType(Exchange ex, String expected) throws ApiError {
        String t = ex.header("Content-Type");
        String media = t == null ? "" : t.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals(expected)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be " + expected + ", got "
                    + (t == null ? "no Content-Type" : "'" + abbreviate(media) + "'"));
        }
    }

    /** The declared body length, or -1 when the body is chunked; refuses at once one over the limit. */
    private static long requireLength(Exchange ex, long limit, String what) throws ApiError {
        String l = ex.header("Content-Length");
        if (l == null) {
            return -1;
        }
        long n;
        try {
            n = Long.parseLong(l.trim());
        } catch (NumberFormatException e) {
            throw new ApiError(400, "bad_length", "the Content-Length header is not a number");
        }
        if (n > limit) {
            throw tooLarge(limit, what);
        }
        return n;
    }

    private static void requireEnd(InputStream body, String what) throws IOException, ApiError {
        if (body.read() != -1) {
            throw new ApiError(400, "trailing_bytes", "the body continues after " + what);
        }
    }

    private static String abbreviate(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ responses

    private int sendJson(Exchange ex, int status, Object body) throws IOException {
        return sendBytes(ex, status, Protocol.JSON_TYPE, json(body));
    }

    private static byte[] json(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static int sendBytes(Exchange ex, int status, String type, byte[] b) throws IOException {
        ex.response.setStatus(status);
        ex.setHeader("Content-Type", type);
        ex.setHeader("Cache-Control", "no-store");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.response.getHeaders().put("Content-Length", b.length);
        ex.released();
        Content.Sink.write(ex.response, true, ByteBuffer.wrap(b));
        return status;
    }

    private static byte[] errorBody(int status, String code, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("status", status);
        err.put("code", code);
        err.put("message", message);
        return json(Map.of("error", err));
    }

    /**
     * Reads and drops what is left of a request body before an error answer, so that a client still
     * sending sees the answer rather than a reset connection: at most {@link #drainLimit} bytes,
     * within the deadline of that many bytes at the minimum upload rate (past it the connection is
     * closed, as for any slow body). Whether the body ended; never throws.
     */
    private boolean discardRest(Exchange ex) {
        BodyDeadline deadline = bodyDeadline(ex, drainLimit);
        try {
            InputStream in = ex.body();
            byte[] buf = new byte[1 << 16];
            long left = drainLimit;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                left -= n;
            }
            return left > 0 && !deadline.passed.get();
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            deadline.timer.cancel(false);
        }
    }

    /**
     * Answers an error (never throws). A body still arriving is read and dropped first, within
     * bounds ({@link #discardRest}); a broken one is not touched again, and the connection is
     * closed after the answer. Returns the status sent, or the status meant when nothing could be sent.
     */
    private int sendError(Exchange ex, ApiError e) {
        if (ex.committed()) {
            return e.status;
        }
        try {
            for (Map.Entry<String, String> h : e.headers.entrySet()) {
                ex.setHeader(h.getKey(), h.getValue());
            }
            if (ex.bodyBroken || e.closing || !discardRest(ex)) {
                ex.setHeader("Connection", "close");
            }
            return sendBytes(ex, e.status, Protocol.JSON_TYPE, errorBody(e.status, e.code, e.getMessage()));
        } catch (IOException | RuntimeException x) {
            // the connection is gone; the log line records the status
            return e.status;
        }
    }

    /**
     * The answers the HTTP layer gives before a request reaches an endpoint (a malformed request
     * line or chunk, headers too large, a body Jetty refuses): the same JSON as every other error,
     * a log line and a metric.
     */
    private final class JsonErrors extends ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus();
            String code = switch (status) {
                case 400 -> "bad_request";
                case 408 -> "request_timeout";
                case 413 -> "body_too_large";
                case 414 -> "uri_too_long";
                case 431 -> "headers_too_large";
                default -> "http_" + status;
            };
            Object m = request.getAttribute(ERROR_MESSAGE);
            String message = status == 431 ? "the request headers exceed " + config.maxHeaderBytes + " bytes"
                    : "the request was refused by the HTTP layer" + (m == null ? "" : ": " + abbreviate(m.toString()));
            response.getHeaders().put("Content-Type", Protocol.JSON_TYPE);
            response.getHeaders().put("Cache-Control", "no-store");
            response.getHeaders().put("Connection", "close");
            response.write(true, ByteBuffer.wrap(errorBody(status, code, message)), callback);
            metrics.request("other", status);
            config.log.printf(Locale.ROOT, "%s %s %d (HTTP layer)%n", abbreviate(String.valueOf(request.getMethod())),
                    endpointName(request.getHttpURI() == null ? null : request.getHttpURI().getPath()), status);
            return true;
        }
    }
}
