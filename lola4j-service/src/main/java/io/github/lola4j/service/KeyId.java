package io.github.lola4j.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The handle a server returns for an upload of evaluation keys: 256 random bits from
 * {@link SecureRandom}, written as 43 characters of unpadded base64url. Whoever holds it can
 * evaluate with those keys, so it is a bearer capability: it travels in the
 * {@value Protocol#KEY_ID_HEADER} header, never in a URL, and {@link #toString()} hides it so that
 * it cannot leak into a log by accident. The server stores only its SHA-256 digest.
 */
public final class KeyId {

    /** Random bytes per id. */
    public static final int BYTES = 32;
    private static final int CHARS = 43;

    private final String value;

    private KeyId(String value) {
        this.value = value;
    }

    /**
     * A fresh random id.
     *
     * @param random the source (a {@link SecureRandom})
     * @return the id
     */
    public static KeyId random(SecureRandom random) {
        byte[] b = new byte[BYTES];
        random.nextBytes(b);
        return new KeyId(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }

    /**
     * Parses an id as a client received it.
     *
     * @param text the 43-character base64url form
     * @return the id
     * @throws IllegalArgumentException when it is not one (the message does not repeat the text)
     */
    public static KeyId parse(String text) {
        Objects.requireNonNull(text, "key id");
        String t = text.trim();
        if (t.length() != CHARS) {
            throw new IllegalArgumentException("a key id has " + CHARS + " characters, got " + t.length());
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a key id is unpadded base64url (A-Z a-z 0-9 - _)");
        }
        if (raw.length != BYTES) {
            throw new IllegalArgumentException("a key id encodes " + BYTES + " bytes, this one " + raw.length);
        }
        return new KeyId(t);
    }

    /** The id's text, to send or store; handle it like a password. */
    public String value() {
        return value;
    }

    /** The SHA-256 digest of the id, in hex: what a server keeps. */
    String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(value.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyId k && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                k.value.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** Never the id itself. */
    @Override
    public String toString() {
        return "KeyId[hidden]";
    }
}
