package io.github.lola4j.cli;

import io.github.lola4j.lola.Plan;
import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import io.github.lola4j.service.HostedModel;
import io.github.lola4j.service.PredictionServer;
import io.github.lola4j.service.TlsContexts;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * {@code serve}: hosts compiled models over HTTP(S) until the process is stopped (SIGINT/SIGTERM
 * drains the requests in flight first).
 */
final class ServeCommand implements Command {


    private final Map<String, String> env;

    /** Creates the command (reading the environment for the TLS password). */
    public ServeCommand() {
        this(System.getenv());
    }

    ServeCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Spec spec() {
        return Spec.of("serve", "serve encrypted predictions over HTTP: clients send ciphertexts, only they can decrypt")
                .synopsis("lola4j serve [--port P] [--bind ADDR] [--models LIST] [--tls-keystore FILE] [options]")
                .description("Compiles the models (or reads compiled plan files) and serves them under /v1: GET health, metrics,",
                        "models and models/NAME/plan; POST keys (the client's evaluation keys, answered with a key id);",
                        "POST predict (an encrypted input in, the encrypted result out). The server never sees a secret key",
                        "or a plaintext. Protocol, limits and threat model: docs/service.md. Runs until stopped; SIGINT or",
                        "SIGTERM stops admitting requests and finishes those in flight first.")
                .option("port", "P", "TCP port (default 8080; 0 picks a free one)")
                .option("bind", "ADDR", "address to listen on (default 127.0.0.1; 0.0.0.0 for every interface);",
                        "any address but loopback needs --tls-keystore, or --insecure")
                .flag("insecure", "serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy",
                        "on the same host only: anyone on the path could swap ciphertexts and keys)")
                .option("models", "LIST", "comma-separated shipped models (" + String.join(", ", ModelRegistry.names())
                        + "), model files (lola4j or .onnx),",
                        "plan files, or ALIAS=PATH to choose the served name (default lola)")
                .option("pixel-scale", "S", "an .onnx model takes pixels times S (an ONNX file does not say; 1/255 for",
                        "PyTorch's ToTensor; default 1), or its client part with --encrypt-from")
                .option("encrypt-from", "NODE", "split the .onnx models of --models at NODE: the server hosts the part",
                        "from NODE on, and its plan carries the part before, which the client runs",
                        "on its image first (--pixel-scale S: what the client multiplies pixels by)")
                .option("max-concurrent", "N", "evaluations at once (default: available processors)")
                .option("queue", "Q", "requests that may wait beyond those; more get 503 + Retry-After (default 16)")
                .option("threads", "T", "threads of the evaluation pool (default: available processors)")
                .option("key-ttl", "SECONDS", "keys expire after this long without use (default 3600)")
                .option("key-budget-mb", "MB", "memory all clients' keys may take (default: half the heap the models leave;",
                        "serve refuses to start when they leave no room for one client)")
                .option("drain-timeout", "S", "how long shutdown waits for requests in flight (default 30)")
                .option("read-timeout", "S", "a request's headers must arrive within S seconds of the connection's opening",
                        "(or of its previous request), a stalled body is cut after S (default 10)")
                .option("max-requests-per-client", "N", "requests one client address may have in progress; more get 429 (default 8)")
                .option("key-uploads-per-minute", "N", "key uploads one client address may make a minute; more get 429 (default 20)")
                .option("key-share", "F", "the share of the key budget one client address may hold, in (0, 1] (default",
                        "0.25; behind a reverse proxy every client has the proxy's address: use 1)")
                .option("tls-keystore", "FILE", "serve HTTPS with this PKCS#12 or JKS key store; its password comes from",
                        "--tls-password-file FILE (first line) or $LOLA4J_TLS_PASSWORD")
                .option("tls-password-file", "FILE", "the key store's password: the file's first line")
                .option("input", "dense|any", "the input layout the models are compiled for (as plan and infer)")
                .option("ring-degree", "N,...", "the ring degrees the compiler may choose from")
                .option("max-input-ciphertexts", "N", "the most ciphertexts the client may send (default 1024; the",
                        "convolution representation needs one per kernel tap and output ciphertext, e.g. 768)")
                .calibrationData()
                .footer("A body must arrive at 32 KiB/s or faster; headers over 8 KiB get 431, bodies over the model's",
                        "limits 413 at once (docs/service.md, \"Limits\").",
                        "",
                        "exit code: 0 after a clean shutdown, 2 on a usage error, 3 when a model or the key store cannot be",
                        "read or the port cannot be bound.");
    }


    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        PredictionServer server = start(o, out, err);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("lola4j serve: stopping (finishing the requests in flight)");
            server.close();
            stopped.countDown();
        }, "lola4j-serve-shutdown"));
        stopped.await();
        return 0;
    }

    /** Parses the options, compiles the models and starts the server (the part a test can run). */
    PredictionServer start(String[] args, PrintStream out, PrintStream err) throws Exception {
        return start(Options.parse(args, spec()), out, err);
    }

    /** Compiles the models and starts the server. */
    PredictionServer start(Options o, PrintStream out, PrintStream err) throws Exception {
        int port = o.getInt("port", 8080, 0, 65535);
        InetAddress bind;
        try {
            bind = InetAddress.getByName(o.get("bind", "127.0.0.1"));
        } catch (UnknownHostException e) {
            throw new UsageException("option --bind: unknown address '" + o.get("bind", "") + "'");
        }
        PredictionServer.Config c = new PredictionServer.Config().bind(new InetSocketAddress(bind, port)).log(err);
        int procs = Runtime.getRuntime().availableProcessors();
        c.maxConcurrent(o.getInt("max-concurrent", procs, 1, 4096)).queueCapacity(o.getInt("queue", 16, 0, 100_000))
                .threads(o.getInt("threads", procs, 1, 4096))
                .keyTtl(Duration.ofSeconds(o.getInt("key-ttl", 3600, 1, Integer.MAX_VALUE)))
                .drainTimeout(Duration.ofSeconds(o.getInt("drain-timeout", 30, 0, 86_400)));
        if (o.has("key-budget-mb")) {
            c.keyBudgetBytes((long) o.getInt("key-budget-mb", 1, 1, Integer.MAX_VALUE) << 20);
        }
        c.readTimeout(Duration.ofSeconds(o.getInt("read-timeout", 10, 1, 3600)))
                .maxRequestsPerClient(o.getInt("max-requests-per-client", 8, 1, 100_000))
                .keyUploadsPerMinute(o.getInt("key-uploads-per-minute", 20, 1, 1_000_000));
        if (o.has("key-share")) {
            double share;
            try {
                share = Double.parseDouble(o.get("key-share", ""));
            } catch (NumberFormatException e) {
                throw new UsageException("option --key-share: expected a fraction in (0, 1], got '" + o.get("key-share", "") + "'");
            }
            if (!(share > 0 && share <= 1)) {
                throw new UsageException("option --key-share: expected a fraction in (0, 1], got " + share);
            }
            c.keyShare(share);
        }
        if (o.has("tls-keystore")) {
            c.tls(tls(o));
        } else if (o.has("tls-password-file")) {
            throw new UsageException("--tls-password-file needs --tls-keystore");
        } else if (!bind.isLoopbackAddress()) {
            if (!o.has("insecure")) {
                throw new UsageException("--bind " + bind.getHostAddress() + " is reachable from other machines: serve it with"
                        + " --tls-keystore FILE, or add --insecure to serve plain HTTP there (anyone on the path could then"
                        + " read and swap the ciphertexts and keys; only behind a TLS proxy on this host)");
            }
            err.println("lola4j serve: WARNING: plain HTTP on " + bind.getHostAddress() + " (--insecure): use TLS unless a"
                    + " TLS-terminating proxy on this host is the only client");
        }
        for (String spec : o.get("models", "lola").split(",")) {
            if (spec.isBlank()) {
                throw new UsageException("option --models has an empty entry: '" + o.get("models", "") + "'");
            }
        }
        // The port first: a port in use is told at once, not after minutes of compiling.
        java.nio.channels.ServerSocketChannel listening;
        try {
            listening = PredictionServer.listen(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            throw new IOException(e.getMessage() + (port != 0 ? " (another program listens there: choose another port with --port"
                    + " P, or --port 0 for a free one)" : ""), e);
        }
        c.listening(listening);
        List<HostedModel> models = new ArrayList<>();
        try {
            for (String spec : o.get("models", "lola").split(",")) {
                models.add(host(spec.trim(), o, err));
            }
        } catch (Exception e) {
            listening.close();
            throw e;
        }
        PredictionServer server = PredictionServer.start(models, c);
        for (HostedModel m : models) {
            Plan p = m.plan();
            out.printf(Locale.ROOT, "model %-12s N=%d, %d rotation keys, keys up to %s, input up to %s, predicted %.0f ms%n", m.name(),
                    p.parameters().ringDegree(), p.keyRequirements().rotations().size(), Lola.bytes(m.maxKeyBytes()),
                    Lola.bytes(m.maxInputBytes()), 1e3 * p.predictedSeconds());
        }
        out.println("listening on " + server.uri() + " (stop with Ctrl-C)");
        out.flush();
        return server;
    }

    private SSLContext tls(Options o) throws IOException {
        char[] password;
        if (o.has("tls-password-file")) {
            List<String> lines = Files.readAllLines(Path.of(o.get("tls-password-file", "")), StandardCharsets.UTF_8);
            password = (lines.isEmpty() ? "" : lines.get(0)).toCharArray();
        } else if (env.get("LOLA4J_TLS_PASSWORD") != null) {
            password = env.get("LOLA4J_TLS_PASSWORD").toCharArray();
        } else {
            throw new UsageException("--tls-keystore needs its password: --tls-password-file FILE or $LOLA4J_TLS_PASSWORD"
                    + " (never on the command line, where other users can read it)");
        }
        return TlsContexts.server(Path.of(o.get("tls-keystore", "")), password);
    }

    /** A shipped model, a model file or a plan file, optionally as ALIAS=PATH. */
    private static HostedModel host(String spec, Options o, PrintStream err) throws IOException {
        String alias = null;
        String what = spec;
        int eq = spec.indexOf('=');
        if (eq > 0) {
            alias = spec.substring(0, eq).trim();
            what = spec.substring(eq + 1).trim();
        }
        Plan plan;
        Path p = Path.of(what);
        if (!ModelRegistry.names().contains(what) && Files.isRegularFile(p) && Plan.isPlanFile(p)) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
                plan = Plan.read(in);
            } catch (IOException e) {
                throw new IOException(p + ": " + e.getMessage(), e);
            }
            if (plan.isBatch()) {
                throw new UsageException(p + " is a batch plan; serve hosts latency-mode plans");
            }
        } else if (o.has("encrypt-from")) {
            plan = Models.splitPlan(Models.split(what, o.get("encrypt-from", "")), o, err);
        } else {
            Network net = Models.load(what, o);
            plan = Lola.compile(net, o, err);
        }
        String name = alias != null ? alias : ModelRegistry.names().contains(what) ? what : plan.network().info().name();
        try {
            return HostedModel.of(name, plan);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage() + " (serve it as ALIAS=PATH)");
        }
    }
}
