package io.github.lola4j.ckks;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.math.SeedExpander;
import io.github.lola4j.ring.RnsRing;

/**
 * The constants and pure encoding rules of the lola4j binary format, version 2, shared by
 * {@link WireWriter} and {@link WireReader} so that both sides compute sizes in one place.
 * docs/ckks-serialization.md describes the format byte by byte.
 *
 * <p>All integers are little-endian. An object is a 24-byte header (magic, version, kind,
 * reserved byte, parameter fingerprint, payload length), its payload, and a CRC32C of header and
 * payload. Residues are bit-packed: limb i of a polynomial holds N values of bits(q_i) bits each,
 * least significant bit first, so a limb takes exactly N bits(q_i) / 8 bytes (N is a multiple of 8).
 */
final class WireFormat {

    /**
     * The only format version this code reads and writes. Version 2 (2026-11-24): a Galois key
     * switches s to sigma_g^-1(s) instead of sigma_g(s) to s, so version 1 keys would not work.
     */
    static final int VERSION = 2;
    /** Header bytes before the payload. */
    static final int HEADER_BYTES = Envelope.HEADER_BYTES;
    /** Trailer bytes after the payload (the CRC32C). */
    static final int TRAILER_BYTES = Envelope.TRAILER_BYTES;
    /** Bytes of a seed. */
    static final int SEED_BYTES = SeedExpander.SEED_BYTES;
    /** The flag bit of a compressed object: the uniform half is stored as its seed. */
    static final int FLAG_SEEDED = 1;
    /**
     * The flag bit of a switching key made for levels up to l below the top level: one byte l
     * follows its flags, and its polynomials are over q_0 .. q_l and P, one per digit that meets
     * q_0 .. q_l. A key for every level leaves the bit clear (and is written as before the bit).
     */
    static final int FLAG_LEVELED = 2;
    /** Bytes of the fixed part of a parameter payload, before the primes. */
    static final int PARAMETERS_PREFIX_BYTES = 20;
    /** Bytes of the fixed part of a plaintext payload: level, scale. */
    static final int PLAINTEXT_PREFIX_BYTES = 9;
    /** Bytes of the fixed part of a ciphertext payload: level, degree, flags, scale. */
    static final int CIPHERTEXT_PREFIX_BYTES = 11;
    /** Bytes of the fixed part of an evaluation-key payload: relinearization flags, Galois key count. */
    static final int EVALUATION_KEYS_PREFIX_BYTES = 5;
    /** Bytes of one entry of the Galois table of an evaluation-key payload: element, flags. */
    static final int GALOIS_ENTRY_BYTES = 9;
    /** The relinearization flag byte of an evaluation-key payload when the key is absent. */
    static final int RELIN_ABSENT = 0xFF;

    private WireFormat() {
    }

    /** The wire code of a security level (fixed here, independent of the enum's declaration order). */
    static int securityCode(SecurityLevel level) {
        switch (level) {
            case NONE:
                return 0;
            case BITS_128:
                return 1;
            case BITS_192:
                return 2;
            case BITS_256:
                return 3;
            default:
                throw new IllegalArgumentException("security level " + level + " has no wire code");
        }
    }

    /** The security level of a wire code, or null if the code is unknown. */
    static SecurityLevel securityLevel(int code) {
        switch (code) {
            case 0:
                return SecurityLevel.NONE;
            case 1:
                return SecurityLevel.BITS_128;
            case 2:
                return SecurityLevel.BITS_192;
            case 3:
                return SecurityLevel.BITS_256;
            default:
                return null;
        }
    }

    /** Bytes of limb i of a polynomial over a ring: N bits(q_i) / 8. */
    static int limbBytes(RnsRing ring, int i) {
        return ring.ringDegree() / 8 * ring.modulus(i).bits();
    }

    /** Bytes of one polynomial over a ring. */
    static long polyBytes(RnsRing ring) {
        long s = 0;
        for (int i = 0; i < ring.limbs(); i++) {
            s += limbBytes(ring, i);
        }
        return s;
    }

    /** Bytes of a secret-key payload: two bits per coefficient. */
    static long secretKeyPayload(CkksParameters params) {
        return params.ringDegree() / 4;
    }

    /** Bytes of a public-key payload. */
    static long publicKeyPayload(CkksParameters params, boolean seeded) {
        long poly = polyBytes(params.ringQP());
        return 1 + (seeded ? SEED_BYTES + poly : 2 * poly);
    }

    /** Bytes of a switching-key body at a level (after its flags and level bytes). */
    static long switchingKeyBody(CkksParameters params, boolean seeded, int level) {
        KeySwitcher ks = params.keySwitcher();
        long poly = polyBytes(ks.ringQP(level));
        int d = ks.digitsAtLevel(level);
        return seeded ? SEED_BYTES + d * poly : 2L * d * poly;
    }

    /** Bytes of a switching key's flags and level: the level byte only below the top level. */
    static int keyFlagBytes(CkksParameters params, int level) {
        return level < params.maxLevel() ? 2 : 1;
    }

    /** Bytes of a relinearization-key payload. */
    static long relinearizationKeyPayload(CkksParameters params, boolean seeded, int level) {
        return keyFlagBytes(params, level) + switchingKeyBody(params, seeded, level);
    }

    /** Bytes of a Galois-key payload. */
    static long galoisKeyPayload(CkksParameters params, boolean seeded, int level) {
        return 8 + keyFlagBytes(params, level) + switchingKeyBody(params, seeded, level);
    }

    /** Bytes of a plaintext payload at a level. */
    static long plaintextPayload(CkksParameters params, int level) {
        return PLAINTEXT_PREFIX_BYTES + polyBytes(params.ringQ().atLevel(level));
    }

    /** Bytes of a ciphertext payload. */
    static long ciphertextPayload(CkksParameters params, int level, int degree, boolean seeded) {
        long poly = polyBytes(params.ringQ().atLevel(level));
        return CIPHERTEXT_PREFIX_BYTES + (seeded ? SEED_BYTES + poly : (degree + 1) * poly);
    }

    /** Bytes of a parameter payload with k ciphertext primes and m special primes. */
    static long parametersPayload(int k, int m) {
        return PARAMETERS_PREFIX_BYTES + 8L * (k + m);
    }

    /**
     * Packs residues of {@code bits} bits each, least significant bit first, into
     * {@code row.length * bits / 8} bytes.
     *
     * @param row  values in [0, 2^bits)
     * @param bits 1 .. 62
     * @param out  the destination (modified)
     * @param off  the first byte written
     */
    static void pack(long[] row, int bits, byte[] out, int off) {
        assert row.length % 8 == 0;
        long acc = 0;
        int n = 0; // bits pending in acc, below 8 between values
        int p = off;
        int high = bits - 32;
        for (long v : row) {
            if (high <= 0) {
                acc |= v << n;
                n += bits;
            } else {
                acc |= (v & 0xFFFFFFFFL) << n;
                n += 32;
                while (n >= 8) {
                    out[p++] = (byte) acc;
                    acc >>>= 8;
                    n -= 8;
                }
                acc |= (v >>> 32) << n;
                n += high;
            }
            while (n >= 8) {
                out[p++] = (byte) acc;
                acc >>>= 8;
                n -= 8;
            }
        }
        assert n == 0;
    }

    /**
     * Unpacks residues written by {@link #pack} and checks each against its prime.
     *
     * @param in   the packed bytes
     * @param off  the first byte read
     * @param bits the bit width, 1 .. 62
     * @param q    the prime every value must be below
     * @param row  the destination (modified)
     * @return the index of the first value &ge; q, or -1 if all are below q
     */
    static int unpack(byte[] in, int off, int bits, long q, long[] row) {
        long acc = 0;
        int n = 0; // bits available in acc, below 8 between values
        int p = off;
        int bad = -1;
        int low = Math.min(bits, 32);
        long lowMask = (1L << low) - 1;
        int high = bits - low;
        long highMask = (1L << high) - 1;
        for (int i = 0; i < row.length; i++) {
            while (n < low) {
                acc |= (in[p++] & 0xFFL) << n;
                n += 8;
            }
            long v = acc & lowMask;
            acc >>>= low;
            n -= low;
            if (high > 0) {
                while (n < high) {
                    acc |= (in[p++] & 0xFFL) << n;
                    n += 8;
                }
                v |= (acc & highMask) << 32;
                acc >>>= high;
                n -= high;
            }
            if (v >= q && bad < 0) {
                bad = i;
            }
            row[i] = v;
        }
        return bad;
    }
}
