package io.github.lola4j.lola;

import io.github.lola4j.ckks.Plaintext;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import io.github.lola4j.format.EnvelopeWriter;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * The prepared plan format, version 1: a plan with every weight already encoded, so that a server
 * process starts evaluating without {@link Plan#prepare()}'s work. Little-endian:
 *
 * <pre>
 *   an envelope (kind 35 "prepared plan", the plan's fingerprint):
 *       payload: encoding count u32 | the plan file, as {@link Plan#write} writes it
 *   the encodings, in the order {@link Plan#prepare()} asks for them, each:
 *       level u8 | scale f64 | (level + 1) x N residues u64 (NTT form, limb by limb)
 *   CRC32C of the encodings' bytes u32
 * </pre>
 *
 * The residues are stored as the words they are in memory, not bit-packed as a CKKS plaintext
 * object is: twice the bytes for lola's 28-bit primes, but read with a bulk copy, which is what
 * makes a short server process start fast. The encodings carry no name: the reader rebuilds the
 * plan, replays the preparation (which asks for the same encodings in the same order whenever the
 * plan is the same, and the fingerprint says it is) and takes the next stored encoding at each one
 * it lacks, refusing one whose level or scale is not the one asked for or whose residue is not
 * below its prime. The checksum covers the whole sequence, so encodings damaged, reordered,
 * dropped or taken from another file are refused, never evaluated as a wrong weight.
 */
final class PreparedPlanFile {

    static final int VERSION = 1;
    private static final int ENCODING_HEADER = 9;

    private PreparedPlanFile() {
    }

    static void write(Plan plan, OutputStream out) throws IOException {
        plan.prepare();
        List<Plaintext> encodings = new ArrayList<>();
        Set<Plaintext> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        plan.prepare((w, level, scale, products) -> {
            Plaintext pt = w.encoding(level, scale, products, () -> {
                throw new IllegalStateException("prepare() left the encoding at level " + level + " out");
            });
            if (seen.add(pt)) {
                encodings.add(pt);
            }
        });
        ByteArrayOutputStream planFile = new ByteArrayOutputStream();
        plan.write(planFile);
        byte[] planBytes = planFile.toByteArray();
        EnvelopeWriter w = EnvelopeWriter.begin(out, Envelope.Kind.PREPARED_PLAN, VERSION, plan.fingerprint(), 4L + planBytes.length);
        w.u32(encodings.size());
        w.bytes(planBytes, 0, planBytes.length);
        w.finish();
        CRC32C crc = new CRC32C();
        int n = plan.parameters().ringDegree();
        ByteBuffer buffer = ByteBuffer.allocate(ENCODING_HEADER + n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Plaintext pt : encodings) {
            RnsPoly poly = pt.poly();
            buffer.clear();
            buffer.put((byte) pt.level()).putDouble(pt.scale());
            crc.update(buffer.array(), 0, ENCODING_HEADER);
            out.write(buffer.array(), 0, ENCODING_HEADER);
            for (int l = 0; l <= pt.level(); l++) {
                buffer.clear();
                buffer.asLongBuffer().put(poly.limb(l));
                crc.update(buffer.array(), 0, n * 8);
                out.write(buffer.array(), 0, n * 8);
            }
        }
        int c = (int) crc.getValue();
        out.write(new byte[] {(byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24)});
        out.flush();
    }

    static Plan read(InputStream in) throws IOException {
        EnvelopeReader r = EnvelopeReader.begin(in, "prepared plan", Envelope.Kind.PREPARED_PLAN);
        r.requireVersion(VERSION);
        long maxPayload = 4L + Envelope.HEADER_BYTES + PlanFile.MAX_BODY + Envelope.TRAILER_BYTES;
        if (r.payloadLength() < 4 || r.payloadLength() > maxPayload) {
            throw r.fail("payload length " + r.payloadLength() + " is outside [4, " + maxPayload + "]");
        }
        long count = r.u32("the encoding count");
        byte[] planFile = r.rest("the plan");
        r.finish();
        ByteArrayInputStream planBytes = new ByteArrayInputStream(planFile);
        Plan plan;
        try {
            plan = PlanFile.read(planBytes);
        } catch (IOException e) {
            throw new IOException("prepared plan: " + e.getMessage(), e);
        }
        if (planBytes.available() != 0) {
            throw new IOException("prepared plan: " + planBytes.available() + " unexpected bytes after the plan file");
        }
        if (plan.fingerprint() != r.fingerprint()) {
            throw new IOException(String.format("prepared plan: the header's fingerprint %016x differs from its plan's %016x",
                    r.fingerprint(), plan.fingerprint()));
        }
        CRC32C crc = new CRC32C();
        DataInputStream d = new DataInputStream(new CheckedInputStream(in, crc));
        RnsRing ringQ = plan.parameters().ringQ();
        int n = plan.parameters().ringDegree();
        byte[] buffer = new byte[ENCODING_HEADER + n * 8];
        ByteBuffer view = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        int[] taken = {0};
        try {
            plan.prepare((w, level, scale, products) -> w.encoding(level, scale, products, () -> {
                try {
                    return next(d, buffer, view, ringQ, taken[0]++, count, level, scale, products);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (taken[0] != count) {
            throw new IOException("prepared plan holds " + count + " encodings, its plan uses " + taken[0]
                    + ": the file does not belong to this plan");
        }
        int expected = (int) crc.getValue();
        byte[] stored = new byte[4];
        try {
            d.readFully(stored);
        } catch (EOFException e) {
            throw new EOFException("prepared plan truncated in its checksum");
        }
        if (ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN).getInt() != expected) {
            throw new IOException("prepared plan: the checksum does not match its encodings (the file is damaged, or its"
                    + " encodings reordered or mixed from another file)");
        }
        return plan;
    }

    /** Reads encoding i, the one the plan asks for at a level and scale, or fails saying why. */
    private static Plaintext next(DataInputStream d, byte[] buffer, ByteBuffer view, RnsRing ringQ, int i, long count, int level,
            double scale, boolean products) throws IOException {
        String which = "prepared plan, encoding " + i + " of " + count;
        if (i >= count) {
            throw new IOException("prepared plan holds " + count + " encodings, but its plan uses more: the file does not"
                    + " belong to this plan");
        }
        int n = ringQ.ringDegree();
        try {
            d.readFully(buffer, 0, ENCODING_HEADER);
            int storedLevel = buffer[0] & 0xFF;
            double storedScale = view.getDouble(1);
            if (storedLevel != level || Double.doubleToLongBits(storedScale) != Double.doubleToLongBits(scale)) {
                throw new IOException(String.format("%s: level %d and scale %s, but the plan asks for level %d and scale %s"
                        + " there (encodings out of order, or from another plan)", which, storedLevel, storedScale, level, scale));
            }
            RnsRing ring = ringQ.atLevel(level);
            long[][] rows = new long[level + 1][];
            for (int l = 0; l <= level; l++) {
                d.readFully(buffer, 0, n * 8);
                long[] row = new long[n];
                view.clear();
                view.asLongBuffer().get(row);
                long q = ring.modulus(l).value();
                for (int c = 0; c < n; c++) {
                    if (Long.compareUnsigned(row[c], q) >= 0) {
                        throw new IOException(which + ": residue " + c + " of limb " + l + " is " + Long.toUnsignedString(row[c])
                                + ", not below its prime " + q);
                    }
                }
                rows[l] = row;
            }
            Plaintext pt = new Plaintext(RnsPoly.wrap(ring, rows, true), scale);
            return products ? pt.productForm() : pt;
        } catch (EOFException e) {
            throw new EOFException(which + ": the file ends inside it");
        }
    }
}
