package io.github.lola4j.service;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The client's key cache on disk: per server, model and plan, the secret key and the key id the
 * server returned for the evaluation keys, so that later calls skip key generation and the upload.
 * Both are secrets (the id is a bearer capability), so they are kept like an SSH private key:
 * the folders are created {@code rwx------}, the files {@code rw-------} and written atomically, and
 * a file that others may read is refused on reading. On a file system without POSIX permissions
 * the folder's own access control applies.
 *
 * <p>Layout: {@code DIR/<first 32 hex of SHA-256(server, model, plan fingerprint)>/secret-key}
 * (the {@link CkksSerializer} secret-key object), {@code key-id} (its text) and {@code about}
 * (server, model and fingerprint in plain text, no secret).
 */
public final class ClientKeyCache {

    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path root;

    /**
     * A cache in a folder (created when first written).
     *
     * @param root the folder
     */
    public ClientKeyCache(Path root) {
        this.root = root.toAbsolutePath();
    }

    /**
     * The default folder: {@code LOLA4J_KEYS} when set, else {@code ~/.cache/lola4j/keys}.
     *
     * @param env the environment
     * @return the folder
     */
    public static Path defaultRoot(Map<String, String> env) {
        String v = env.get("LOLA4J_KEYS");
        if (v != null && !v.isBlank()) {
            return Path.of(v);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "lola4j", "keys");
    }

    /** The cache folder. */
    public Path root() {
        return root;
    }

    /**
     * The folder of one server, model and plan.
     *
     * @param server the server's base URI
     * @param plan   the model's client plan
     * @return the folder (it may not exist yet)
     */
    public Path entry(URI server, ClientPlan plan) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((server.toString() + "\n" + plan.modelName() + "\n" + Long.toHexString(plan.fingerprint()))
                    .getBytes(StandardCharsets.UTF_8));
            return root.resolve(HexFormat.of().formatHex(md.digest()).substring(0, 32));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * The cached secret key, if any.
     *
     * @param server the server
     * @param plan   the plan (its parameters must be the key's)
     * @return the key, or empty
     * @throws IOException when the file is unreadable, corrupted, of other parameters, or readable by others
     */
    public Optional<SecretKey> secretKey(URI server, ClientPlan plan) throws IOException {
        Path f = entry(server, plan).resolve("secret-key");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        byte[] b = readPrivate(f);
        try {
            return Optional.of(new CkksSerializer(plan.parameters()).readSecretKey(new ByteArrayInputStream(b)));
        } catch (IOException e) {
            throw new IOException("cached secret key " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores a secret key (replacing any earlier one and forgetting its key id).
     *
     * @param server the server
     * @param plan   the plan
     * @param sk     the secret key
     * @throws IOException when it cannot be written
     */
    public void storeSecretKey(URI server, ClientPlan plan, SecretKey sk) throws IOException {
        Path dir = prepare(server, plan);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new CkksSerializer(plan.parameters()).writeSecretKey(b, sk);
        Files.deleteIfExists(dir.resolve("key-id"));
        writePrivate(dir.resolve("secret-key"), b.toByteArray());
    }

    /**
     * The cached key id, if any.
     *
     * @param server the server
     * @param plan   the plan
     * @return the id, or empty
     * @throws IOException when the file is unreadable, malformed or readable by others
     */
    public Optional<KeyId> keyId(URI server, ClientPlan plan) throws IOException {
        Path f = entry(server, plan).resolve("key-id");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(KeyId.parse(new String(readPrivate(f), StandardCharsets.US_ASCII)));
        } catch (IllegalArgumentException e) {
            throw new IOException("cached key id " + f + " is malformed: " + e.getMessage(), e);
        }
    }

    /**
     * Stores the key id the server returned.
     *
     * @param server the server
     * @param plan   the plan
     * @param id     the id
     * @throws IOException when it cannot be written
     */
    public void storeKeyId(URI server, ClientPlan plan, KeyId id) throws IOException {
        writePrivate(prepare(server, plan).resolve("key-id"), id.value().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Forgets the key id (the server no longer knows it).
     *
     * @param server the server
     * @param plan   the plan
     * @throws IOException when it cannot be deleted
     */
    public void forgetKeyId(URI server, ClientPlan plan) throws IOException {
        Files.deleteIfExists(entry(server, plan).resolve("key-id"));
    }

    private Path prepare(URI server, ClientPlan plan) throws IOException {
        createPrivateDirectories(root);
        Path dir = entry(server, plan);
        createPrivateDirectories(dir);
        Path about = dir.resolve("about");
        if (!Files.exists(about)) {
            writePrivate(about, ("server " + server + "\nmodel " + plan.modelName() + "\nplan " + Long.toHexString(plan.fingerprint())
                    + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return dir;
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (dir.getParent() != null) {
            Files.createDirectories(dir.getParent());
        }
        if (POSIX) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
        } else {
            Files.createDirectory(dir);
        }
    }

    private static void writePrivate(Path f, byte[] b) throws IOException {
        FileAttribute<?>[] attrs = POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(f.getParent(), ".tmp-", "", attrs);
        try {
            Files.write(tmp, b);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] readPrivate(Path f) throws IOException {
        if (POSIX) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(f);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
                    || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException(f + " is accessible by other users (" + PosixFilePermissions.toString(p)
                        + "); it holds a secret: chmod 600 it, or delete it to start over");
            }
        }
        return Files.readAllBytes(f);
    }
}
