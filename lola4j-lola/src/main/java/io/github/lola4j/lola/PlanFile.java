package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan file format, version 1: the body in lola4j's {@link Envelope} (kind plan, the plan's
 * fingerprint in the header; files of earlier releases, framed as {@code magic "L4JPLAN1" (8 bytes) |
 * version u16 = 1 | body length u32 | body | CRC32C u32}, are read too). The body, big-endian:
 *
 * <pre>
 *   body: fingerprint u64 | batch u32
 *         parameters: length u32, the CkksSerializer parameter object
 *         network:    length u32, the nn model file
 *         choices:    count u16, each length u16 + ASCII "kind:a,b,c"
 *         info:       the cost model source, the calibration description (UTF-8 strings, u16 length),
 *                     the headroom f64, stage maxima count u16 + f64 each, alternatives count u16 + strings
 * </pre>
 *
 * Reading checks the envelope (kind, version, length at most 256 MiB, checksum), then each part,
 * rebuilds the kernels from the network and the choices and refuses a file whose rebuilt plan has
 * another fingerprint. Nothing is built from a file that fails any check.
 */
final class PlanFile {

    /** The magic of the framing before the envelope, still read. */
    static final byte[] LEGACY_MAGIC = "L4JPLAN1".getBytes(StandardCharsets.US_ASCII);
    /** Version 2 (2026-12-07): the client's part of a split model follows, or a 0 byte; version 1 is still read. */
    static final int VERSION = 2;
    static final int VERSION_WITHOUT_CLIENT_PART = 1;
    static final int MAX_BODY = 256 << 20;

    private PlanFile() {
    }

    static void write(Plan plan, OutputStream out) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeLong(plan.fingerprint());
        d.writeInt(plan.compileInfo().batch());
        byte[] p = new CkksSerializer(plan.parameters()).parametersToBytes();
        d.writeInt(p.length);
        d.write(p);
        byte[] n = ModelFormat.toBytes(plan.network(), ModelFormat.WeightEncoding.lossless(plan.network()));
        d.writeInt(n.length);
        d.write(n);
        d.writeShort(plan.choices().size());
        for (Choice c : plan.choices()) {
            byte[] b = c.encode().getBytes(StandardCharsets.US_ASCII);
            d.writeShort(b.length);
            d.write(b);
        }
        Plan.CompileInfo info = plan.compileInfo();
        RepresentationCodec.writeString(d, info.costModel());
        RepresentationCodec.writeString(d, info.calibration());
        d.writeDouble(info.headroomBits());
        d.writeShort(info.stageMax().length);
        for (double v : info.stageMax()) {
            d.writeDouble(v);
        }
        d.writeShort(info.alternatives().size());
        for (String a : info.alternatives()) {
            RepresentationCodec.writeString(d, a);
        }
        ClientPart.write(d, plan.clientPart().orElse(null));
        d.flush();
        FramedFile.write(out, Envelope.Kind.PLAN, VERSION, plan.fingerprint(), body.toByteArray());
    }

    static Plan read(InputStream in) throws IOException {
        FramedFile.Body framed = FramedFile.read(in, Envelope.Kind.PLAN, LEGACY_MAGIC, VERSION_WITHOUT_CLIENT_PART, VERSION, MAX_BODY,
                "plan file");
        byte[] body = framed.bytes();
        // Every count is checked against the bytes left (d.available(), exact on a byte array)
        // before anything is allocated from it.
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(body));
        try {
            long fingerprint = d.readLong();
            if (framed.enveloped() && framed.fingerprint() != fingerprint) {
                throw new IOException(String.format("plan file: the header's fingerprint %016x differs from the body's %016x",
                        framed.fingerprint(), fingerprint));
            }
            int batch = d.readInt();
            byte[] p = new byte[checkedLength(d.readInt(), d.available(), "parameters")];
            d.readFully(p);
            CkksParameters params = CkksSerializer.readParameters(new ByteArrayInputStream(p));
            byte[] n = new byte[checkedLength(d.readInt(), d.available(), "network")];
            d.readFully(n);
            Network net = ModelFormat.fromBytes(n, "the plan's network");
            // A choice takes at least its 2-byte length.
            int count = checkedLength(d.readUnsignedShort(), d.available() / 2, "choice count");
            List<Choice> choices = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] c = new byte[d.readUnsignedShort()];
                d.readFully(c);
                for (byte x : c) {
                    if (x < 0x20 || x > 0x7E) { // negative: a byte above 0x7F
                        throw new IOException("plan file choice " + i + " holds the byte 0x" + Integer.toHexString(x & 0xFF)
                                + ", expected printable ASCII");
                    }
                }
                try {
                    choices.add(Choice.decode(new String(c, StandardCharsets.US_ASCII)));
                } catch (IllegalArgumentException e) {
                    throw new IOException("plan file choice " + i + ": " + e.getMessage(), e);
                }
            }
            String model = RepresentationCodec.readString(d, "plan file's cost model");
            String calibration = RepresentationCodec.readString(d, "plan file's calibration");
            double headroom = readDouble(d, "headroom");
            double[] stageMax = new double[checkedLength(d.readUnsignedShort(), d.available() / 8, "stage count")];
            for (int i = 0; i < stageMax.length; i++) {
                stageMax[i] = readDouble(d, "stage maximum " + i);
            }
            int alts = checkedLength(d.readUnsignedShort(), d.available() / 2, "alternative count");
            List<String> alternatives = new ArrayList<>(alts);
            for (int i = 0; i < alts; i++) {
                alternatives.add(RepresentationCodec.readString(d, "plan file's alternative " + i));
            }
            ClientPart part = framed.version() >= VERSION ? ClientPart.read(d, "plan file") : null;
            if (d.available() != 0) {
                throw new IOException("plan file has " + d.available() + " unexpected bytes after its contents");
            }
            // The fingerprint covers the network, the parameters and the choices: checked before any
            // kernel is built from them (building lola-cifar's takes seconds).
            long expected = Plan.computeFingerprint(net, params, choices, batch);
            if (expected != fingerprint) {
                throw new IOException("plan file fingerprint " + Long.toHexString(fingerprint) + " does not match its contents ("
                        + Long.toHexString(expected) + ")");
            }
            Plan plan;
            try {
                plan = Plan.rebuild(net, params, choices, new Plan.CompileInfo(model, calibration, stageMax, headroom, alternatives,
                        batch));
            } catch (IllegalArgumentException e) {
                throw new IOException("plan file does not describe a valid plan: " + e.getMessage(), e);
            }
            return part == null ? plan : plan.withClientPart(part);
        } catch (EOFException e) {
            throw new IOException("plan file body ends before its contents do", e);
        }
    }

    /**
     * A double as DataOutputStream.writeDouble writes it: a NaN (the headroom before it is
     * measured) only as the canonical NaN, since another one would read as the same plan but not
     * be the file written for it.
     */
    private static double readDouble(DataInputStream d, String what) throws IOException {
        long bits = d.readLong();
        double v = Double.longBitsToDouble(bits);
        if (Double.isNaN(v) && bits != Double.doubleToLongBits(Double.NaN)) {
            throw new IOException(String.format("plan file: the %s is the NaN 0x%016x, expected the canonical NaN 0x%016x",
                    what, bits, Double.doubleToLongBits(Double.NaN)));
        }
        return v;
    }

    /** A declared length or count, checked against what the rest of the body can hold. */
    private static int checkedLength(int l, int max, String what) throws IOException {
        if (l < 0 || l > max) {
            throw new IOException("plan file: the " + what + " " + l + " is outside [0, " + max + "] (what the "
                    + "bytes left in the body can hold)");
        }
        return l;
    }

}
