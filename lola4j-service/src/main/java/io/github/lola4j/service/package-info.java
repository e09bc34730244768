/**
 * Prediction as a service: an HTTP server that evaluates compiled plans on ciphertexts, and the
 * client that encrypts, calls it and decrypts.
 *
 * <p>The client holds the secret key; the server receives only the client's evaluation keys
 * ({@code POST /v1/keys}, answered with an unguessable {@link io.github.lola4j.service.KeyId}) and
 * encrypted inputs ({@code POST /v1/predict}), and returns encrypted results. It hands out each
 * model's {@link io.github.lola4j.lola.ClientPlan} (parameters, layouts, key requirements; no
 * weights). Bodies are binary in the library's serialization formats; JSON (Jackson) carries
 * only metadata and errors. The wire protocol, its limits and the threat model are in
 * {@code docs/service.md}.
 *
 * <p>The server runs on Jetty 12 (TLS through its {@code SslContextFactory} with the caller's
 * {@code SSLContext}); the client is {@code java.net.http.HttpClient}.
 */
package io.github.lola4j.service;
