/**
 * LoLa-style encrypted inference: message representations, kernels with plaintext twins, a
 * compiler that plans any sequential network of the {@code nn} layers, and the plans it produces.
 *
 * <p><b>Notation.</b> S = N / 2 slots per ciphertext; a <i>representation</i> maps each tensor
 * element to one or more (ciphertext, slot) copies; a <i>level</i> is the index of a ciphertext's
 * last prime; every product by plaintext weights is encoded at the scale of that prime q_l, so the
 * rescale after it restores the scale. Rotations are left rotations: slot i receives slot
 * (i + k) mod S. A tensor's true values are alpha * stored + beta, the pending affine factor of
 * the last activation.
 *
 * <p><b>Invariants.</b> Every kernel is written once against {@code SlotOps} and runs unchanged on
 * ciphertexts, on its plaintext twin and on the simulator; its depth, exact rotation keys and
 * operation counts are what the simulator records, never declared. A plan holds no key material;
 * its server side ({@link io.github.lola4j.lola.Plan#evaluate}) accepts only encrypted tensors and
 * evaluation keys. Evaluation is exact modular arithmetic: bit-identical whatever the threads.
 *
 * <p><b>References.</b> Brutzkus, Gilad-Bachrach, Elisha, Low Latency Privacy Preserving Inference
 * (ICML 2019); Dowlin et al., CryptoNets (ICML 2016); Halevi and Shoup, Algorithms in HElib
 * (CRYPTO 2014) and Faster Homomorphic Linear Transformations in HElib (CRYPTO 2018) for the
 * diagonal method with baby-step giant-step rotations and hoisting.
 */
package io.github.lola4j.lola;
