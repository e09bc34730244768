/**
 * The polynomial ring Z_Q[X]/(X^N + 1) in RNS form: {@link io.github.lola4j.ring.RnsRing} (degree,
 * primes, NTT tables and automorphism maps, with cheap level views and Q|P unions), {@link
 * io.github.lola4j.ring.RnsPoly} ({@code long[limbs][N]}, coefficient or NTT form, limb-wise
 * arithmetic and automorphisms X -&gt; X^g in both forms), the conversions between bases that key
 * switching and rescaling are made of ({@link io.github.lola4j.ring.BasisExtender}: ModUp and
 * ModDown between Q_l and P, built from the two rings and the digit partition; {@link
 * io.github.lola4j.ring.RnsRescaler}: division by the last prime with rounding) and {@link
 * io.github.lola4j.ring.Parallelism}, the one configurable way work is split over threads. Every
 * NTT a scheme needs is called from here or below: {@code ckks} speaks in polynomials.
 *
 * <p>A limb is one prime's residues; the level of a polynomial is its limb count minus one. NTT
 * form stores evaluations at psi^(2 br(k) + 1) in bit-reversed order k.
 */
package io.github.lola4j.ring;
