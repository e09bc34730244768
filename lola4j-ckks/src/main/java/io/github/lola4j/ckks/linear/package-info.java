/**
 * Plaintext linear maps on encrypted slot vectors: {@link
 * io.github.lola4j.ckks.linear.LinearTransform}, the baby-step giant-step diagonal method with
 * hoisted baby steps and its cleartext twin. Nothing here is specific to neural networks.
 */
package io.github.lola4j.ckks.linear;
