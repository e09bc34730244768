package io.github.lola4j.lola;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The part of a split model that the client runs on its own data, in plaintext, before it
 * encrypts: an ONNX model (bytes this module does not interpret; {@code lola4j-onnx}'s
 * {@code OnnxGraph} runs them), where encryption starts, and the scale the client's pixels take
 * as its input. A {@link Plan} and its {@link ClientPlan} carry it, so a client that fetches the
 * plan from a server knows what to run. Immutable.
 */
public final class ClientPart {
    /** The largest model a client part may hold. */
    public static final int MAX_MODEL_BYTES = 32 << 20;

    private final String encryptFrom;
    private final double pixelScale;
    private final byte[] model;

    private ClientPart(String encryptFrom, double pixelScale, byte[] model) {
        this.encryptFrom = encryptFrom;
        this.pixelScale = pixelScale;
        this.model = model;
    }

    /**
     * Creates a client part.
     *
     * @param encryptFrom where encryption starts (the node or value named when the model was split)
     * @param pixelScale  what the client multiplies its pixels by before running the part (positive)
     * @param onnxModel   the part as an ONNX model (copied)
     * @return the client part
     * @throws IllegalArgumentException when the name is empty or longer than 1,000 characters, the
     *                                  scale is not positive and finite, or the model is empty or
     *                                  larger than {@link #MAX_MODEL_BYTES}
     */
    public static ClientPart of(String encryptFrom, double pixelScale, byte[] onnxModel) {
        Objects.requireNonNull(encryptFrom, "encryptFrom");
        if (encryptFrom.isEmpty() || encryptFrom.length() > 1000) {
            throw new IllegalArgumentException("client part: the node where encryption starts must have 1 to 1000 characters, got "
                    + encryptFrom.length());
        }
        if (!(pixelScale > 0) || !Double.isFinite(pixelScale)) {
            throw new IllegalArgumentException("client part: the pixel scale must be positive and finite, got " + pixelScale);
        }
        if (onnxModel.length == 0 || onnxModel.length > MAX_MODEL_BYTES) {
            throw new IllegalArgumentException("client part: the model has " + onnxModel.length + " bytes, expected 1 to "
                    + MAX_MODEL_BYTES);
        }
        return new ClientPart(encryptFrom, pixelScale, onnxModel.clone());
    }

    /** Where encryption starts: the node or value named when the model was split. */
    public String encryptFrom() {
        return encryptFrom;
    }

    /** What the client multiplies its pixels by before running the part. */
    public double pixelScale() {
        return pixelScale;
    }

    /** The part as an ONNX model (a copy). */
    public byte[] model() {
        return model.clone();
    }

    /** The SHA-256 of the model, in hex: how a client names the part it runs. */
    public String sha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Writes {@code 0}, or {@code 1} and the part, to a plan's or client plan's body. */
    static void write(DataOutputStream d, ClientPart part) throws IOException {
        if (part == null) {
            d.writeByte(0);
            return;
        }
        d.writeByte(1);
        RepresentationCodec.writeString(d, part.encryptFrom);
        d.writeDouble(part.pixelScale);
        d.writeInt(part.model.length);
        d.write(part.model);
    }

    /** Reads what {@link #write} wrote: null when there is no part. */
    static ClientPart read(DataInputStream d, String what) throws IOException {
        int flag = d.readUnsignedByte();
        if (flag == 0) {
            return null;
        }
        if (flag != 1) {
            throw new IOException(what + ": the client part's flag is " + flag + ", expected 0 or 1");
        }
        String from = RepresentationCodec.readString(d, what + "'s client part");
        double scale = d.readDouble();
        int length = d.readInt();
        if (length < 1 || length > MAX_MODEL_BYTES || length > d.available()) {
            throw new IOException(what + ": the client part's model has " + length + " bytes, expected 1 to "
                    + Math.min(MAX_MODEL_BYTES, d.available()) + " (the bytes left)");
        }
        byte[] model = new byte[length];
        d.readFully(model);
        try {
            return of(from, scale, model);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientPart p && p.encryptFrom.equals(encryptFrom) && Double.compare(p.pixelScale, pixelScale) == 0
                && Arrays.equals(p.model, model);
    }

    @Override
    public int hashCode() {
        return Objects.hash(encryptFrom, pixelScale, Arrays.hashCode(model));
    }

    @Override
    public String toString() {
        return "ClientPart[from " + encryptFrom + ", pixels times " + pixelScale + ", " + model.length + " bytes, SHA-256 "
                + sha256().substring(0, 16) + "...]";
    }
}
