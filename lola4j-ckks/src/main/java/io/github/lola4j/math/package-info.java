/**
 * Modular arithmetic on 64-bit words and the number theory below the ring: {@link
 * io.github.lola4j.math.Modulus} (Barrett and Shoup multiplication, lazy variants with documented
 * ranges), {@link io.github.lola4j.math.Primes} (deterministic Miller-Rabin, NTT-friendly prime
 * chains), {@link io.github.lola4j.math.Ntt} with {@link io.github.lola4j.math.NttTables}
 * (Harvey's lazy negacyclic NTT), {@link io.github.lola4j.math.RnsBasis} and {@link
 * io.github.lola4j.math.BaseConverter} (CRT and fast base conversion), {@link
 * io.github.lola4j.math.CenteredLift}, and the randomness: {@link io.github.lola4j.math.Sampler}
 * over an injected {@code SecureRandom}, {@link io.github.lola4j.math.SeedExpander} (AES-256-CTR).
 *
 * <p>Notation: q is a prime of at most 61 bits (so 4q fits a signed long); N is the ring degree, a
 * power of two; a residue is an integer in [0, q) unless a method says otherwise. No object here
 * knows about polynomials or encryption; {@code BigInteger} appears only in setup and in test-facing
 * reconstruction.
 *
 * <p>References: Harvey, Faster arithmetic for number-theoretic transforms (2014); Longa and
 * Naehrig, Speeding up the number theoretic transform (2016); Halevi, Polyakov and Shoup, An
 * improved RNS variant of the BFV scheme (2019).
 */
package io.github.lola4j.math;
