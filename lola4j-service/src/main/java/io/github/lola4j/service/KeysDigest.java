package io.github.lola4j.service;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The SHA-256 digest of one upload of evaluation keys, exactly the bytes sent. It binds a key id
 * to the keys behind it, end to end: the server computes it over the body it reads and keeps it
 * with the id; the client computes it over the body it sends, keeps it with the secret key that made
 * those keys, and sends it with every prediction in the {@value Protocol#KEYS_DIGEST_HEADER} header.
 * A server asked to evaluate with keys of another digest than the client's answers 409, so a client
 * never decrypts a result computed with evaluation keys that its secret key did not make. Public
 * (the keys are public material); immutable.
 */
public final class KeysDigest {

    /** Bytes of a digest. */
    public static final int BYTES = 32;

    private final byte[] bytes;

    private KeysDigest(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The digest of serialized evaluation keys.
     *
     * @param serializedKeys the upload body
     * @return its digest
     */
    public static KeysDigest of(byte[] serializedKeys) {
        return new KeysDigest(sha256().digest(serializedKeys));
    }

    /**
     * A digest computed elsewhere (a {@link MessageDigest} over a stream).
     *
     * @param digest its 32 bytes
     * @return the digest
     * @throws IllegalArgumentException on another length
     */
    public static KeysDigest ofBytes(byte[] digest) {
        Objects.requireNonNull(digest, "digest");
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("a keys digest has " + BYTES + " bytes, got " + digest.length);
        }
        return new KeysDigest(digest.clone());
    }

    /**
     * Parses the hex form.
     *
     * @param hex 64 hex digits
     * @return the digest
     * @throws IllegalArgumentException when it is not 64 hex digits
     */
    public static KeysDigest parse(String hex) {
        Objects.requireNonNull(hex, "keys digest");
        String t = hex.trim();
        if (t.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a keys digest has " + 2 * BYTES + " hex digits, got " + t.length());
        }
        try {
            return new KeysDigest(HexFormat.of().parseHex(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a keys digest is " + 2 * BYTES + " hex digits (0-9 a-f)");
        }
    }

    /** A fresh SHA-256 instance. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The 32 bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The 64 lowercase hex digits. */
    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Compares in constant time. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KeysDigest k && MessageDigest.isEqual(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    /** The first 16 hex digits, enough to tell digests apart in a message. */
    @Override
    public String toString() {
        return "KeysDigest[" + hex().substring(0, 16) + "]";
    }
}
