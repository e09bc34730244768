/**
 * Encrypted inference as an Apache Spark job: {@link io.github.lola4j.spark.EncryptedInference}
 * evaluates a plan on a directory of encrypted tensor files, one result file per input file.
 *
 * <p>The job is given the server's plan and the client's evaluation keys, as bytes; it has no
 * way to receive a secret key, and so can neither decrypt an input nor a result
 * (docs/spark.md).
 */
package io.github.lola4j.spark;
