package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.math.Primes;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CkksParametersTest {

    private static String reject(CkksParameters.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @ParameterizedTest(name = "N={0} max={1}")
    @CsvSource({"1024,27", "2048,54", "4096,109", "8192,218", "16384,438", "32768,881"})
    void heStandardTableEdges(int n, int maxBits) {
        assertEquals(maxBits, SecurityLevel.BITS_128.maxLog2QP(n));
        int minBits = Integer.numberOfTrailingZeros(2 * n) + 2;
        int accepted = 0;
        int refused = 0;
        // Requested totals around the bound; the primes found near 2^bits decide the exact log2(QP).
        for (int total = maxBits - 3; total <= maxBits + 3; total++) {
            int pBits = Math.min(60, Math.max(minBits, (total + 2) / 3));
            int rest = total - pBits;
            if (rest < minBits) {
                continue;
            }
            int count = Math.max(1, (rest + pBits - 1) / pBits);
            if (rest / count < minBits) {
                count = Math.max(1, rest / minBits);
            }
            int[] qBits = new int[count];
            for (int i = 0; i < count; i++) {
                qBits[i] = rest / count + (i < rest % count ? 1 : 0);
            }
            long[] q = Primes.nttPrimesNear(n, qBits);
            long p = Primes.nttPrimesNear(n, new int[] {pBits}, q)[0];
            BigInteger qp = BigInteger.valueOf(p);
            for (long v : q) {
                qp = qp.multiply(BigInteger.valueOf(v));
            }
            double exact = qp.bitLength() - 1 + Math.log(qp.shiftRight(qp.bitLength() - 53).doubleValue() / 0x1p52) / Math.log(2);
            CkksParameters.Builder b = CkksParameters.builder().ringDegree(n).primes(q).specialPrimes(p)
                    .scaleBits(Math.min(qBits[0] - 2, 30)).dnum(count);
            if (exact <= maxBits) {
                CkksParameters ok = b.build();
                assertEquals(exact, ok.log2QP(), 1e-9);
                accepted++;
            } else {
                String msg = reject(b);
                assertTrue(msg.contains("exceeds the " + maxBits + " bits the Homomorphic Encryption Standard allows for BITS_128 at N = "
                        + n), msg);
                // The same set passes only with an explicit SecurityLevel.NONE.
                assertEquals(SecurityLevel.NONE, b.securityLevel(SecurityLevel.NONE).build().securityLevel());
                refused++;
            }
        }
        // At N = 1024 no two primes = 1 mod 2048 fit in 27 bits (the smallest are 12289 and 18433), so only refusals occur.
        assertTrue((accepted > 0 || n == 1024) && refused > 0, "both sides of the bound were exercised: " + accepted + " / " + refused);
    }

    @Test
    void everyFieldIsValidatedByName() {
        assertTrue(reject(CkksParameters.builder().ringDegree(1000).primeBits(40).specialPrimeBits(40).scaleBits(30))
                .startsWith("ringDegree must be a power of two"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).specialPrimeBits(40).scaleBits(30))
                .startsWith("primes or primeBits must be set"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40).scaleBits(30))
                .startsWith("specialPrimes or specialPrimeBits must be set"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40).primes(12289).specialPrimeBits(40).scaleBits(30))
                .startsWith("both primes and primeBits are set"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primes(12289 * 3).specialPrimeBits(40).scaleBits(30))
                .contains("primes[0] = 36867 is not prime"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primes(12289).specialPrimeBits(40).scaleBits(10))
                .contains("is not 1 mod 2N = 16384"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40, 30).specialPrimeBits(40).scaleBits(30).dnum(3))
                .startsWith("dnum must be in [1, 2]"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40, 40, 40).specialPrimeBits(30).scaleBits(30).dnum(1))
                .startsWith("dnum = 1 gives a key-switching digit of 120.0 bits"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40, 40).specialPrimeBits(40))
                .startsWith("scale must be a finite value above 1"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40, 40).specialPrimeBits(40).scaleBits(45))
                .contains("must be below the first prime q_0"));
        assertTrue(reject(CkksParameters.builder().ringDegree(8192).primeBits(40, 40).specialPrimeBits(40).scaleBits(30)
                .secretDistribution(SecretDistribution.sparseTernary(64))).contains("sparse secrets (h = 64) are not covered"));
        assertTrue(reject(CkksParameters.builder().ringDegree(512).primeBits(20).specialPrimeBits(20).scaleBits(10))
                .contains("covers ring degrees 2^10 .. 2^16"));
        assertThrows(IllegalArgumentException.class, () -> SecretDistribution.sparseTernary(0));
    }

    @Test
    void presetsAreSecureAndFingerprintsIdentifySets() {
        CkksParameters[] presets = {ParameterPresets.n8192Depth2(), ParameterPresets.n8192Depth3(), ParameterPresets.n16384Depth6(),
            ParameterPresets.n16384Depth6OneSpecialPrime(), ParameterPresets.n32768Depth13(), ParameterPresets.n32768Depth13OneSpecialPrime()};
        for (CkksParameters p : presets) {
            assertEquals(SecurityLevel.BITS_128, p.securityLevel());
            assertTrue(p.log2QP() <= SecurityLevel.BITS_128.maxLog2QP(p.ringDegree()), p.toString());
            assertEquals(p, p.toBuilder().build());
            assertEquals(p.fingerprint(), p.toBuilder().build().fingerprint());
        }
        assertNotEquals(presets[0].fingerprint(), presets[1].fingerprint());
        CkksParameters p = presets[2];
        assertEquals(4, p.dnum());
        assertEquals(6, p.maxLevel());
        assertEquals(8192, p.slots());
        assertNotEquals(p.fingerprint(), p.toBuilder().scaleBits(39).build().fingerprint());
        assertEquals(5, p.galoisElementForRotation(1));
        assertEquals(p.galoisElementForRotation(p.slots() - 1), p.galoisElementForRotation(-1));
        assertEquals(2L * p.ringDegree() - 1, p.galoisElementForConjugation());
        // The one-special-prime variants keep the ciphertext primes and switch keys with one digit per prime.
        for (int i = 2; i < presets.length; i += 2) {
            CkksParameters two = presets[i];
            CkksParameters one = presets[i + 1];
            assertArrayEquals(two.primes(), one.primes());
            assertEquals(2, two.specialPrimes().length);
            assertEquals(1, one.specialPrimes().length);
            assertEquals(one.maxLevel() + 1, one.dnum());
            assertNotEquals(two.fingerprint(), one.fingerprint());
        }
    }
}
