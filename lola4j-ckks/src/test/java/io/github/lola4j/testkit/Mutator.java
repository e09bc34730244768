package io.github.lola4j.testkit;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Deterministic mutations of a byte string for fuzz tests: the same (input, seed) always gives the
 * same mutant, and the mutant says what was done, so a failure can be reproduced from the seed
 * printed with it.
 *
 * <p>The mutations are the ones that find reader bugs: a flipped bit, a byte set to a boundary
 * value (0x00, 0xFF, 0x7F, 0x80), a truncation, a range duplicated, deleted or swapped with
 * another, random bytes inserted, and a 4-byte field overwritten with a large, negative, zero or
 * small value in either byte order (counts and lengths are 4-byte fields in every lola4j format).
 *
 * <p>Positions are drawn from the whole input, or with probability 1/2 from a <i>focus</i> region
 * when one is given: headers and counts are a few bytes among the bulk data (residues, weights,
 * slot maps), and a uniform position would almost always land in the bulk.
 */
public final class Mutator {

    /** The kinds of mutation. */
    public enum Kind {
        /** One bit inverted. */
        FLIP_BIT,
        /** One byte set to 0x00, 0xFF, 0x7F or 0x80. */
        SET_BYTE,
        /** The input cut at a position. */
        TRUNCATE,
        /** A range repeated right after itself. */
        DUPLICATE_RANGE,
        /** A range removed. */
        DELETE_RANGE,
        /** Random bytes inserted at a position. */
        INSERT_RANDOM,
        /** Four bytes overwritten with a big-endian int. */
        OVERWRITE_INT_BE,
        /** Four bytes overwritten with a little-endian int. */
        OVERWRITE_INT_LE,
        /** Two ranges of the same length exchanged. */
        SWAP_RANGES
    }

    /**
     * One mutant.
     *
     * @param seed        the seed it was made from
     * @param kind        the mutation
     * @param description what was done, with positions and values
     * @param bytes       the mutated bytes (a new array)
     */
    public record Mutant(long seed, Kind kind, String description, byte[] bytes) {
        @Override
        public String toString() {
            return "seed " + seed + ": " + description;
        }
    }

    private static final byte[] BOUNDARY_BYTES = {0x00, (byte) 0xFF, 0x7F, (byte) 0x80};
    private static final int[] INTS = {0x7FFFFFFF, 0x40000000, 0x10000000, 1 << 24, 1 << 20, 65536, 65535, 16384,
        -1, -2, Integer.MIN_VALUE, -65536, 0, 1, 2, 3};

    private Mutator() {
    }

    /**
     * A mutant with positions anywhere in the input.
     *
     * @param original the input (not modified), at least one byte
     * @param seed     the seed
     * @return the mutant
     */
    public static Mutant mutate(byte[] original, long seed) {
        return mutate(original, seed, original.length);
    }

    /**
     * A mutant whose positions fall in {@code [0, focus)} half of the time.
     *
     * @param original the input (not modified), at least one byte
     * @param seed     the seed
     * @param focus    the length of the prefix to favour (the input's length for none)
     * @return the mutant
     */
    public static Mutant mutate(byte[] original, long seed, int focus) {
        return mutate(original, seed, 0, focus);
    }

    /**
     * A mutant whose positions fall in {@code [from, to)} half of the time.
     *
     * @param original the input (not modified), at least one byte
     * @param seed     the seed
     * @param from     the first byte of the region to favour
     * @param to       the end of the region (clamped to the input)
     * @return the mutant
     */
    public static Mutant mutate(byte[] original, long seed, int from, int to) {
        if (original.length == 0) {
            throw new IllegalArgumentException("nothing to mutate");
        }
        SplittableRandom r = new SplittableRandom(seed);
        int n = original.length;
        int lo = Math.max(0, Math.min(from, n - 1));
        int hi = Math.max(lo + 1, Math.min(to, n));
        Focus f = new Focus(lo, hi);
        Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
        byte[] b = original.clone();
        switch (kind) {
            case FLIP_BIT: {
                int p = position(r, n, f);
                int bit = r.nextInt(8);
                b[p] ^= (byte) (1 << bit);
                return new Mutant(seed, kind, "flip bit " + bit + " of byte " + p, b);
            }
            case SET_BYTE: {
                int p = position(r, n, f);
                byte v = BOUNDARY_BYTES[r.nextInt(BOUNDARY_BYTES.length)];
                b[p] = v;
                return new Mutant(seed, kind, String.format("set byte %d (was 0x%02x) to 0x%02x", p, original[p] & 0xFF, v & 0xFF),
                        b);
            }
            case TRUNCATE: {
                int len = position(r, n, f);
                return new Mutant(seed, kind, "truncate to " + len + " of " + n + " bytes", Arrays.copyOf(original, len));
            }
            case DUPLICATE_RANGE: {
                int p = position(r, n, f);
                int len = 1 + r.nextInt(Math.min(64, n - p));
                byte[] out = new byte[n + len];
                System.arraycopy(original, 0, out, 0, p + len);
                System.arraycopy(original, p, out, p + len, n - p);
                return new Mutant(seed, kind, "duplicate bytes [" + p + ", " + (p + len) + ")", out);
            }
            case DELETE_RANGE: {
                int p = position(r, n, f);
                int len = 1 + r.nextInt(Math.min(64, n - p));
                byte[] out = new byte[n - len];
                System.arraycopy(original, 0, out, 0, p);
                System.arraycopy(original, p + len, out, p, n - p - len);
                return new Mutant(seed, kind, "delete bytes [" + p + ", " + (p + len) + ")", out);
            }
            case INSERT_RANDOM: {
                int p = r.nextBoolean() ? f.from + r.nextInt(f.to - f.from + 1) : r.nextInt(n + 1);
                int len = 1 + r.nextInt(16);
                byte[] out = new byte[n + len];
                System.arraycopy(original, 0, out, 0, p);
                for (int i = 0; i < len; i++) {
                    out[p + i] = (byte) r.nextInt(256);
                }
                System.arraycopy(original, p, out, p + len, n - p);
                return new Mutant(seed, kind, "insert " + len + " random bytes at " + p, out);
            }
            case OVERWRITE_INT_BE:
            case OVERWRITE_INT_LE: {
                if (n < 4) {
                    b[0] ^= 1;
                    return new Mutant(seed, Kind.FLIP_BIT, "flip bit 0 of byte 0 (too short for an int)", b);
                }
                int p = Math.min(position(r, n, f), n - 4);
                int v = r.nextInt(4) == 0 ? r.nextInt() : INTS[r.nextInt(INTS.length)];
                boolean big = kind == Kind.OVERWRITE_INT_BE;
                for (int i = 0; i < 4; i++) {
                    int shift = big ? 24 - 8 * i : 8 * i;
                    b[p + i] = (byte) (v >>> shift);
                }
                return new Mutant(seed, kind, "overwrite bytes [" + p + ", " + (p + 4) + ") with " + v + (big ? " (big" : " (little")
                        + "-endian)", b);
            }
            case SWAP_RANGES: {
                if (n < 2) {
                    b[0] ^= 1;
                    return new Mutant(seed, Kind.FLIP_BIT, "flip bit 0 of byte 0 (too short to swap)", b);
                }
                int len = 1 + r.nextInt(Math.min(32, n / 2));
                int p = Math.min(position(r, n, f), n - 2 * len);
                int q = p + len + r.nextInt(n - p - 2 * len + 1);
                byte[] tmp = Arrays.copyOfRange(b, p, p + len);
                System.arraycopy(b, q, b, p, len);
                System.arraycopy(tmp, 0, b, q, len);
                return new Mutant(seed, kind, "swap bytes [" + p + ", " + (p + len) + ") with [" + q + ", " + (q + len) + ")", b);
            }
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    /**
     * The number of mutants per family of a test run: the system property
     * {@code lola4j.fuzz.mutants} if set, else the default given.
     *
     * @param byDefault the count without the property
     * @return the count
     */
    public static int mutants(int byDefault) {
        return Integer.getInteger("lola4j.fuzz.mutants", byDefault);
    }

    /**
     * The first seed of a test run: the system property {@code lola4j.fuzz.seed} if set (to explore
     * other mutants), else the default given (the mutants the tests always run).
     *
     * @param byDefault the seed without the property
     * @return the seed
     */
    public static long seed(long byDefault) {
        return Long.getLong("lola4j.fuzz.seed", byDefault);
    }

    /** Reads a file; a refusal is an IOException. */
    @FunctionalInterface
    public interface Reader<T> {
        /**
         * Reads.
         *
         * @param bytes the file
         * @return what it describes
         * @throws IOException when it is refused
         */
        T read(byte[] bytes) throws IOException;
    }

    /** Writes a value back, to compare what a reader returned with a file. */
    @FunctionalInterface
    public interface Writer<T> {
        /**
         * Writes.
         *
         * @param value what a reader returned
         * @return its file
         * @throws IOException when writing fails
         */
        byte[] write(T value) throws IOException;
    }

    /**
     * Feeds mutants of one file family to its reader and checks every outcome: the reader must
     * throw an {@link IOException} with a message within the time bound, or return an object
     * whose file is the original's (identical). For <i>forged</i> mutants (the content mutated,
     * then the checksums and lengths recomputed, so the parsers behind the integrity checks are
     * reached) it may also return an object whose file is exactly the mutant (faithful: the
     * mutant is a valid file of another object, which no reader could tell). Anything else (another
     * exception, an Error such as OutOfMemoryError, a hang, a different object) is collected with
     * the seed and the mutation, and {@link #finish()} fails listing them.
     *
     * @param <T> what the files describe
     */
    public static final class Campaign<T> {
        private final String family;
        private final byte[] original;
        private final Reader<T> reader;
        private final Writer<T> writer;
        private final UnaryOperator<byte[]> canonical;
        private final byte[] canonicalOriginal;
        private final Duration timeout;
        private final List<String> failures = new ArrayList<>();
        private int mutants;
        private int refused;
        private int identical;
        private int faithful;
        private long nanos;

        /**
         * A campaign whose writer reproduces files byte for byte.
         *
         * @param family   the family's name, for the summary
         * @param original the valid file the mutants come from (the reader must accept it)
         * @param reader   the reader under test
         * @param writer   writes what the reader returned
         * @param timeout  the bound for one mutant
         */
        public Campaign(String family, byte[] original, Reader<T> reader, Writer<T> writer, Duration timeout) {
            this(family, original, reader, writer, UnaryOperator.identity(), timeout);
        }

        /**
         * A campaign that compares files through a canonical form (for a format with several
         * encodings of one content, such as a deflated body).
         *
         * @param family    the family's name, for the summary
         * @param original  the valid file the mutants come from (the reader must accept it)
         * @param reader    the reader under test
         * @param writer    gives the canonical form of what the reader returned
         * @param canonical gives the canonical form of a file
         * @param timeout   the bound for one mutant
         */
        public Campaign(String family, byte[] original, Reader<T> reader, Writer<T> writer, UnaryOperator<byte[]> canonical,
                Duration timeout) {
            this.family = family;
            this.original = original.clone();
            this.reader = reader;
            this.writer = writer;
            this.canonical = canonical;
            this.canonicalOriginal = canonical.apply(this.original);
            this.timeout = timeout;
            try {
                byte[] again = writer.write(reader.read(this.original));
                if (!Arrays.equals(again, canonicalOriginal)) {
                    fail("fuzz " + family + ": the original does not read back to the same bytes");
                }
            } catch (IOException e) {
                throw new AssertionError("fuzz " + family + ": the original is refused: " + e.getMessage(), e);
            }
        }

        /**
         * Mutates the file itself.
         *
         * @param count how many mutants
         * @param seed0 the first seed (mutant i uses seed0 + i)
         * @param from  the first byte of the region to favour (see {@link Mutator#mutate(byte[], long, int, int)})
         * @param to    the end of that region
         * @return this
         */
        public Campaign<T> raw(int count, long seed0, int from, int to) {
            for (int i = 0; i < count; i++) {
                Mutant m = mutate(original, seed0 + i, from, to);
                run("raw", m, m.bytes(), false);
            }
            return this;
        }

        /**
         * Mutates a part of the file (a body, a payload) and wraps the mutant into a file whose
         * integrity checks pass.
         *
         * @param inner the part mutated
         * @param wrap  makes the file of a (mutated) part, recomputing lengths and checksums
         * @param count how many mutants
         * @param seed0 the first seed
         * @param from  the first byte of the part's region to favour
         * @param to    the end of that region
         * @return this
         */
        public Campaign<T> forged(byte[] inner, UnaryOperator<byte[]> wrap, int count, long seed0, int from, int to) {
            for (int i = 0; i < count; i++) {
                Mutant m = mutate(inner, seed0 + i, from, to);
                run("forged", m, wrap.apply(m.bytes()), true);
            }
            return this;
        }

        private void run(String mode, Mutant m, byte[] file, boolean forged) {
            mutants++;
            long t0 = System.nanoTime();
            String outcome = assertTimeoutPreemptively(timeout, () -> outcome(file, forged),
                    () -> "fuzz " + family + ": the reader hangs (more than " + timeout.toSeconds() + " s) on the " + mode
                            + " mutant " + m);
            nanos += System.nanoTime() - t0;
            switch (outcome) {
                case "refused":
                    refused++;
                    break;
                case "identical":
                    identical++;
                    break;
                case "faithful":
                    faithful++;
                    break;
                default:
                    failures.add(mode + " mutant " + m + " (" + file.length + " bytes): " + outcome);
            }
        }

        /** What the reader made of a file: refused, identical, faithful, or what went wrong. */
        private String outcome(byte[] file, boolean forged) {
            T value;
            try {
                value = reader.read(file);
            } catch (IOException e) {
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    return "an IOException without a message: " + e;
                }
                return "refused";
            } catch (Throwable t) { // the point: an Error (OutOfMemoryError, StackOverflowError) too
                return "threw " + t + stackTop(t);
            }
            byte[] again;
            try {
                again = writer.write(value);
            } catch (Throwable t) {
                return "was read, but writing it back threw " + t + stackTop(t);
            }
            if (Arrays.equals(again, canonicalOriginal)) {
                return "identical";
            }
            try {
                if (forged && Arrays.equals(again, canonical.apply(file))) {
                    return "faithful";
                }
            } catch (RuntimeException e) {
                return "was read, but the mutant has no canonical form: " + e;
            }
            return "returned a different object (its file has " + again.length + " bytes"
                    + (forged ? ", neither the original nor the mutant)" : ", not the original's)");
        }

        private static String stackTop(Throwable t) {
            StackTraceElement[] s = t.getStackTrace();
            return s.length == 0 ? "" : " at " + s[0] + (s.length > 1 ? " < " + s[1] : "");
        }

        /**
         * Prints the summary line and fails if any mutant had an unacceptable outcome.
         *
         * @return the summary line
         */
        public String finish() {
            String summary = String.format(Locale.ROOT, "fuzz %s: %d mutants, %d refused, %d identical, %d faithful"
                    + " (%.1f s, failures %d)", family, mutants, refused, identical, faithful, nanos / 1e9, failures.size());
            System.out.println(summary);
            if (!failures.isEmpty()) {
                fail(summary + "\n  " + String.join("\n  ", failures.subList(0, Math.min(30, failures.size())))
                        + (failures.size() > 30 ? "\n  ..." : ""));
            }
            return summary;
        }

        /** The mutants refused so far. */
        public int refused() {
            return refused;
        }
    }

    /** The region positions favour. */
    private record Focus(int from, int to) {
    }

    /** A position in [0, n): in the focus region half of the time. */
    private static int position(SplittableRandom r, int n, Focus focus) {
        return r.nextBoolean() ? focus.from + r.nextInt(focus.to - focus.from) : r.nextInt(n);
    }
}
