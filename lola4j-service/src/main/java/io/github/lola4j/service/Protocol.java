package io.github.lola4j.service;

/** The names the server and the client agree on: paths, headers and content types of protocol version 1. */
public final class Protocol {

    private Protocol() {
    }

    /** The path prefix of protocol version 1. */
    public static final String PREFIX = "/v1";
    /** {@code GET}: liveness and whether the server is draining. */
    public static final String HEALTH = PREFIX + "/health";
    /** {@code GET}: request counts, errors, queue length, latency percentiles. */
    public static final String METRICS = PREFIX + "/metrics";
    /** {@code GET}: the hosted models with their plans' public parameters. */
    public static final String MODELS = PREFIX + "/models";
    /** {@code GET MODELS/{name}/plan}: a model's {@link io.github.lola4j.lola.ClientPlan} file. */
    public static final String PLAN_SUFFIX = "/plan";
    /** {@code POST ?model=NAME}: upload evaluation keys; {@code DELETE}: forget them. */
    public static final String KEYS = PREFIX + "/keys";
    /** {@code POST ?model=NAME}: an encrypted input in, the encrypted result out. */
    public static final String PREDICT = PREFIX + "/predict";

    /** The request header carrying the key id (a bearer capability: never put it in a URL). */
    public static final String KEY_ID_HEADER = "Lola4j-Key-Id";
    /**
     * The request header of {@code POST /v1/predict} carrying the {@link KeysDigest} (64 hex digits)
     * of the evaluation keys the client registered under its key id; a server holding other keys
     * under that id answers 409 {@code keys_mismatch}.
     */
    public static final String KEYS_DIGEST_HEADER = "Lola4j-Keys-Digest";
    /** The response header with the server's evaluation time in seconds. */
    public static final String SERVER_SECONDS_HEADER = "Lola4j-Server-Seconds";

    /** A {@code CkksSerializer} evaluation key set. */
    public static final String EVALUATION_KEYS_TYPE = "application/vnd.lola4j.evaluation-keys";
    /** A tensor in the {@link io.github.lola4j.lola.ClientPlan} tensor format. */
    public static final String TENSOR_TYPE = "application/vnd.lola4j.encrypted-tensor";
    /** A {@link io.github.lola4j.lola.ClientPlan} file. */
    public static final String CLIENT_PLAN_TYPE = "application/vnd.lola4j.client-plan";
    /** Metadata and errors. */
    public static final String JSON_TYPE = "application/json";
}
