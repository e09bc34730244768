package io.github.lola4j.lola;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes and reads a {@link Representation} exactly (equal after a round trip), for the client
 * plan file. Big-endian: kind u8, then the kind's fields as u32, an explicit layout as its
 * positions, a convolution as (slot, element) pairs per ciphertext (most slots are empty). The
 * constructors validate what is read, so a malformed layout fails as it would in code.
 */
final class RepresentationCodec {

    private static final int DENSE = 1;
    private static final int STACKED = 2;
    private static final int SPARSE = 3;
    private static final int INTERLEAVED = 4;
    private static final int CONVOLUTION = 5;
    private static final int BATCH = 6;

    private RepresentationCodec() {
    }

    static void write(DataOutputStream d, Representation r) throws IOException {
        if (r instanceof Representation.Dense x) {
            d.writeByte(DENSE);
            d.writeInt(x.size());
            d.writeInt(x.slots());
        } else if (r instanceof Representation.Stacked x) {
            d.writeByte(STACKED);
            d.writeInt(x.size());
            d.writeInt(x.period());
            d.writeInt(x.copies());
            d.writeInt(x.slots());
        } else if (r instanceof Representation.Sparse x) {
            d.writeByte(SPARSE);
            d.writeInt(x.size());
            d.writeInt(x.slots());
        } else if (r instanceof Representation.Interleaved x) {
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
        } else if (r instanceof Representation.Convolution x) {
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
        } else if (r instanceof Representation.Batch x) {
            d.writeByte(BATCH);
            d.writeInt(x.features());
            d.writeInt(x.batch());
            d.writeInt(x.slots());
        } else {
            throw new IllegalStateException("no encoding for the " + r.kind() + " representation");
        }
    }

    /**
     * Reads a representation.
     *
     * @param maxSlots the largest slot count to accept (bounds the allocations of a corrupted file)
     */
    static Representation read(DataInputStream d, int maxSlots) throws IOException {
        int kind = d.readUnsignedByte();
        try {
            switch (kind) {
                case DENSE:
                    return new Representation.Dense(d.readInt(), slots(d.readInt(), maxSlots));
                case STACKED:
                    return new Representation.Stacked(d.readInt(), d.readInt(), d.readInt(), slots(d.readInt(), maxSlots));
                case SPARSE:
                    return new Representation.Sparse(d.readInt(), slots(d.readInt(), maxSlots));
                case INTERLEAVED: {
                    String origin = readString(d);
                    int cts = count(d.readInt(), 1 << 16, "ciphertexts");
                    int slots = slots(d.readInt(), maxSlots);
                    int fill = d.readUnsignedByte();
                    if (fill >= Representation.Fill.values().length) {
                        throw new IOException("unknown fill " + fill);
                    }
                    int size = count(d.readInt(), cts * slots, "elements");
                    int[] ct = new int[size];
                    int[] slot = new int[size];
                    for (int i = 0; i < size; i++) {
                        ct[i] = d.readInt();
                        slot[i] = d.readInt();
                    }
                    return new Representation.Interleaved(origin, cts, slots, ct, slot, Representation.Fill.values()[fill]);
                }
                case CONVOLUTION: {
                    String origin = readString(d);
                    int size = count(d.readInt(), 1 << 26, "elements");
                    int cts = count(d.readInt(), 1 << 12, "ciphertexts");
                    int slots = slots(d.readInt(), maxSlots);
                    int[][] gather = new int[cts][slots];
                    for (int k = 0; k < cts; k++) {
                        Arrays.fill(gather[k], -1);
                        int used = count(d.readInt(), slots, "gathered slots");
                        int last = -1;
                        for (int j = 0; j < used; j++) {
                            int u = d.readInt();
                            if (u <= last || u >= slots) {
                                throw new IOException("convolution slot " + u + " of ciphertext " + k
                                        + " is out of order or outside [0, " + slots + ")");
                            }
                            gather[k][u] = d.readInt();
                            last = u;
                        }
                    }
                    return new Representation.Convolution(origin, size, gather);
                }
                case BATCH:
                    return new Representation.Batch(d.readInt(), d.readInt(), slots(d.readInt(), maxSlots));
                default:
                    throw new IOException("unknown representation kind " + kind);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid representation: " + e.getMessage(), e);
        }
    }

    private static int slots(int s, int maxSlots) throws IOException {
        if (s < 1 || s > maxSlots) {
            throw new IOException("representation slot count " + s + " is outside [1, " + maxSlots + "]");
        }
        return s;
    }

    private static int count(int n, int max, String what) throws IOException {
        if (n < 0 || n > max) {
            throw new IOException("representation " + what + " count " + n + " is outside [0, " + max + "]");
        }
        return n;
    }

    /** The string encoding of the lola files (this one and the plan file): u16 length + UTF-8, cut at 65535 bytes. */
    static void writeString(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 65535) {
            b = Arrays.copyOf(b, 65535);
        }
        d.writeShort(b.length);
        d.write(b);
    }

    static String readString(DataInputStream d) throws IOException {
        byte[] b = new byte[d.readUnsignedShort()];
        d.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
