/**
 * The full-RNS CKKS scheme (Cheon, Kim, Kim and Song 2017; Cheon, Han, Kim, Kim and Song 2018):
 * parameters checked against the Homomorphic Encryption Standard ({@link
 * io.github.lola4j.ckks.CkksParameters}, {@link io.github.lola4j.ckks.SecurityLevel}, {@link
 * io.github.lola4j.ckks.ParameterPresets}), the canonical-embedding {@link
 * io.github.lola4j.ckks.Encoder}, keys requested through {@link
 * io.github.lola4j.ckks.KeyRequirements} and made by the {@link io.github.lola4j.ckks.KeyGenerator},
 * {@link io.github.lola4j.ckks.Encryptor} and {@link io.github.lola4j.ckks.Decryptor}, and the
 * {@link io.github.lola4j.ckks.Evaluator} with hybrid key switching (Han and Ki 2020) and hoisted
 * rotations (Halevi and Shoup 2018), and {@link io.github.lola4j.ckks.CkksSerializer}, the versioned,
 * checksummed binary format of every object (validated before anything is constructed).
 *
 * <p>Glossary: the <i>level</i> of a ciphertext is the index of its last prime (a fresh one is at
 * {@code maxLevel()}, each rescale drops one); the <i>scale</i> is the factor its values carry;
 * the N/2 complex <i>slots</i> are rotated left by the Galois element 5^k and conjugated by 2N - 1;
 * <i>dnum</i> is the number of key-switching digits.
 *
 * <p>Decrypted results carry encryption noise in their low bits: do not hand them raw to parties
 * who must not learn the key (Li and Micciancio 2021).
 */
package io.github.lola4j.ckks;
