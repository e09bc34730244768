package io.github.lola4j.lola;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes and reads a {@link Representation} exactly (equal after a round trip), for the client
 * plan file. Big-endian: kind u8, then the kind's fields as u32, an explicit layout as its
 * positions, a convolution as (slot, element) pairs per ciphertext (most slots are empty). Reading
 * bounds every declared count by the parameters and the bytes left before it allocates, and the
 * constructors validate what is read, so a malformed layout fails as it would in code; every
 * failure is an {@link IOException}.
 */
final class RepresentationCodec {

    private static final int DENSE = 1;
    private static final int STACKED = 2;
    private static final int SPARSE = 3;
    private static final int INTERLEAVED = 4;
    private static final int CONVOLUTION = 5;
    private static final int BATCH = 6;

    /** The most elements a representation lays out (2^26: far beyond any network input or output). */
    static final long MAX_ELEMENTS = 1L << 26;
    /** The most ciphertexts of a representation (the sparse, interleaved and batch kinds). */
    static final int MAX_CIPHERTEXTS = 1 << 16;
    /** The most ciphertexts of a convolution layout (each row holds a whole slot vector). */
    static final int MAX_CONVOLUTION_CIPHERTEXTS = 1 << 12;

    private RepresentationCodec() {
    }

    static void write(DataOutputStream d, Representation r) throws IOException {
        if (r instanceof DenseLayout x) {
            d.writeByte(DENSE);
            d.writeInt(x.size());
            d.writeInt(x.slots());
        } else if (r instanceof StackedLayout x) {
            d.writeByte(STACKED);
            d.writeInt(x.size());
            d.writeInt(x.period());
            d.writeInt(x.copies());
            d.writeInt(x.slots());
        } else if (r instanceof SparseLayout x) {
            d.writeByte(SPARSE);
            d.writeInt(x.size());
            d.writeInt(x.slots());
        } else if (r instanceof InterleavedLayout x) {
            d.writeByte(INTERLEAVED);
            writeString(d, x.origin());
            d.writeInt(x.ciphertexts());
            d.writeInt(x.slots());
            d.writeByte(x.fill().ordinal());
            d.writeInt(x.size());
            for (int i = 0; i < x.size(); i++) {
                d.writeInt(x.ciphertext(i, 0));
                d.writeInt(x.slot(i, 0));
            }
        } else if (r instanceof ConvolutionLayout x) {
            d.writeByte(CONVOLUTION);
            writeString(d, x.origin());
            d.writeInt(x.size());
            d.writeInt(x.ciphertexts());
            d.writeInt(x.slots());
            for (int k = 0; k < x.ciphertexts(); k++) {
                int used = 0;
                for (int u = 0; u < x.slots(); u++) {
                    used += x.gathered(k, u) >= 0 ? 1 : 0;
                }
                d.writeInt(used);
                for (int u = 0; u < x.slots(); u++) {
                    if (x.gathered(k, u) >= 0) {
                        d.writeInt(u);
                        d.writeInt(x.gathered(k, u));
                    }
                }
            }
        } else if (r instanceof BatchLayout x) {
            d.writeByte(BATCH);
            d.writeInt(x.features());
            d.writeInt(x.batch());
            d.writeInt(x.slots());
        } else {
            throw new IllegalStateException("no encoding for the " + r.kind() + " representation");
        }
    }

    /**
     * Reads a representation, checking every declared count before anything is allocated: the slot
     * count must be the parameters', and a count of elements or ciphertexts must fit both what a
     * representation of that kind can hold and the bytes left in the body (an explicit element takes
     * 8 bytes, a convolution ciphertext at least 4), so a few hostile bytes cannot make it allocate
     * more than the file could describe.
     *
     * @param d           the body, read from a byte array ({@code available()} is the bytes left)
     * @param slots       the slot count every representation of the file must have (the parameters')
     * @param maxElements the most elements the representation may lay out
     * @return the representation, validated by its constructor
     * @throws IOException on a count out of range, an unknown kind or fill, a malformed layout, or
     *                     an end of input inside the representation
     */
    static Representation read(DataInputStream d, int slots, long maxElements) throws IOException {
        int kind = d.readUnsignedByte();
        long limit = Math.min(maxElements, MAX_ELEMENTS);
        try {
            switch (kind) {
                case DENSE: {
                    int size = count(d.readInt(), 1, Math.min(limit, (long) slots * MAX_CIPHERTEXTS), "dense", "elements");
                    return new DenseLayout(size, slots(d.readInt(), slots));
                }
                case STACKED: {
                    // period * copies <= slots is checked by the constructor (no allocation).
                    int size = count(d.readInt(), 1, Math.min(limit, slots), "stacked", "elements");
                    return new StackedLayout(size, d.readInt(), d.readInt(), slots(d.readInt(), slots));
                }
                case SPARSE: {
                    // One ciphertext per element.
                    int size = count(d.readInt(), 1, Math.min(limit, MAX_CIPHERTEXTS), "sparse", "elements");
                    return new SparseLayout(size, slots(d.readInt(), slots));
                }
                case INTERLEAVED: {
                    String origin = readString(d);
                    int cts = count(d.readInt(), 1, MAX_CIPHERTEXTS, "interleaved", "ciphertexts");
                    slots(d.readInt(), slots);
                    int fill = d.readUnsignedByte();
                    if (fill >= Representation.Fill.values().length) {
                        throw new IOException("representation interleaved: unknown fill " + fill + ", expected 0 (zero) or 1 (garbage)");
                    }
                    // Each element sits in its own slot and takes 8 bytes of the body.
                    long max = Math.min(Math.min(limit, (long) cts * slots), d.available() / 8);
                    int size = count(d.readInt(), 1, max, "interleaved", "elements");
                    int[] ct = new int[size];
                    int[] slot = new int[size];
                    for (int i = 0; i < size; i++) {
                        ct[i] = d.readInt();
                        slot[i] = d.readInt();
                    }
                    return new InterleavedLayout(origin, cts, slots, ct, slot, Representation.Fill.values()[fill]);
                }
                case CONVOLUTION: {
                    String origin = readString(d);
                    int size = count(d.readInt(), 1, limit, "convolution", "elements");
                    // Each ciphertext takes at least its 4-byte count of gathered slots.
                    int cts = count(d.readInt(), 1, Math.min(MAX_CONVOLUTION_CIPHERTEXTS, d.available() / 4),
                            "convolution", "ciphertexts");
                    slots(d.readInt(), slots);
                    int[][] gather = new int[cts][];
                    for (int k = 0; k < cts; k++) {
                        // Each gathered slot takes 8 bytes; the row is allocated once its count is known to fit.
                        int used = count(d.readInt(), 0, Math.min(slots, d.available() / 8), "convolution",
                                "gathered slots of ciphertext " + k);
                        int[] row = new int[slots];
                        Arrays.fill(row, -1);
                        int last = -1;
                        for (int j = 0; j < used; j++) {
                            int u = d.readInt();
                            if (u <= last || u >= slots) {
                                throw new IOException("representation convolution: slot " + u + " of ciphertext " + k
                                        + " is out of order or outside [0, " + slots + "), the previous slot is " + last);
                            }
                            int e = d.readInt();
                            if (e < 0 || e >= size) {
                                throw new IOException("representation convolution: slot " + u + " of ciphertext " + k
                                        + " gathers element " + e + ", expected one in [0, " + size + ")");
                            }
                            row[u] = e;
                            last = u;
                        }
                        gather[k] = row;
                    }
                    return new ConvolutionLayout(origin, size, gather);
                }
                case BATCH: {
                    int features = count(d.readInt(), 1, MAX_CIPHERTEXTS, "batch", "features");
                    int batch = d.readInt();
                    int s = slots(d.readInt(), slots);
                    if (batch < 1 || batch > s || (long) features * batch > limit) {
                        throw new IOException("representation batch: " + batch + " images of " + features
                                + " features, expected 1 to " + s + " images and at most " + limit + " values");
                    }
                    return new BatchLayout(features, batch, s);
                }
                default:
                    throw new IOException("unknown representation kind " + kind + ", expected 1 to " + BATCH);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid representation: " + e.getMessage(), e);
        }
    }

    private static int slots(int s, int expected) throws IOException {
        if (s != expected) {
            throw new IOException("representation slot count " + s + ", expected " + expected + " (the parameters')");
        }
        return s;
    }

    private static int count(int n, long min, long max, String kind, String what) throws IOException {
        if (n < min || n > max) {
            throw new IOException("representation " + kind + ": " + n + " " + what
                    + " is outside [" + min + ", " + max + "]");
        }
        return n;
    }

    /**
     * The string encoding of the lola files (this one and the plan file): u16 length + UTF-8, cut
     * at 65535 bytes. The cut falls before the code point it would split, so what is written is
     * always valid UTF-8 and reads back as a prefix of the string.
     */
    static void writeString(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 65535) {
            int end = 65535;
            while ((b[end] & 0xC0) == 0x80) { // b[end] continues the code point that starts before it
                end--;
            }
            b = Arrays.copyOf(b, end);
        }
        d.writeShort(b.length);
        d.write(b);
    }

    /**
     * Reads a string written by {@link #writeString}: malformed UTF-8 (invalid bytes, overlong
     * forms, surrogates, a code point cut at the end) is refused, never replaced.
     *
     * @param d    the stream
     * @param what the field, for the message
     * @throws IOException when the bytes are not valid UTF-8 or the stream ends first
     */
    static String readString(DataInputStream d, String what) throws IOException {
        byte[] b = new byte[d.readUnsignedShort()];
        d.readFully(b);
        return decodeUtf8(b, what);
    }

    /** {@link #readString(DataInputStream, String)} for the origin of a layout. */
    static String readString(DataInputStream d) throws IOException {
        return readString(d, "representation origin");
    }

    /**
     * Decodes strict UTF-8, the one rule of every lola4j file.
     *
     * @param b    the bytes
     * @param what the field, for the message
     * @return the string
     * @throws IOException "the ... is not valid UTF-8" on malformed or unmappable input
     */
    static String decodeUtf8(byte[] b, String what) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("the " + what + " is not valid UTF-8 (" + b.length + " bytes)", e);
        }
    }
}
