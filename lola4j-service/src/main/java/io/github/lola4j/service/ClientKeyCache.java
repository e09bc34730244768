package io.github.lola4j.service;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.format.Envelope;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The client's key cache on disk: per server, model and plan, one record holding the secret key,
 * the key id the server returned for the evaluation keys that secret key made, and the
 * {@link KeysDigest} of those keys, so that later calls skip key generation and the upload.
 *
 * <p>The three are one unit, written and read as one file: a record is replaced whole by an atomic
 * rename, and never assembled from parts written at different times (two files, as before, let
 * processes sharing the cache leave one process's secret key beside another's key id, and the
 * client then decrypted results of other keys). Making and registering the keys of one entry
 * happens under {@link #lock}, a file lock that serialises processes as well as threads. A record
 * whose checksum, framing or contents do not hold (damaged, half-written by an older version,
 * another plan's) is discarded with a warning and the keys are made anew; it is never used.
 *
 * <p>The record is a secret (the secret key, and the id is a bearer capability), kept like an SSH
 * private key: the folders are created {@code rwx------}, the files {@code rw-------}, and a file
 * that others may read or write is refused on reading. On a file system without POSIX permissions
 * the folder's own access control applies.
 *
 * <p>Layout: {@code DIR/<first 32 hex of SHA-256(server, model, plan fingerprint)>/keys} (the
 * record), {@code lock} (empty; the file lock) and {@code about} (server, model and fingerprint in
 * plain text, no secret). The record is one lola4j {@link Envelope} (kind client key record,
 * version 1, the plan's fingerprint in its header) whose payload, big-endian, is: server, model
 * (u16 length + UTF-8 each) | plan fingerprint u64 | secret key (u32 length + the
 * {@link CkksSerializer} object) | key id (43 ASCII bytes) | keys digest (32 bytes). Records of
 * earlier releases ({@code "L4JKEYS1" | version u16 = 1 |} the same fields {@code |} SHA-256 of
 * all the preceding bytes) are read too. Thread-safe.
 */
public final class ClientKeyCache {

    /**
     * One entry's keys: the secret key, the id the server gave the evaluation keys it made, and the
     * digest of those keys. Immutable; a session replaces it whole.
     */
    public static final class Entry {
        private final SecretKey secretKey;
        private final KeyId keyId;
        private final KeysDigest keysDigest;

        /**
         * The three parts of one registration.
         *
         * @param secretKey  the secret key
         * @param keyId      the id the server returned for the evaluation keys of that secret key
         * @param keysDigest the digest of those evaluation keys, as uploaded
         */
        public Entry(SecretKey secretKey, KeyId keyId, KeysDigest keysDigest) {
            this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            this.keysDigest = Objects.requireNonNull(keysDigest, "keysDigest");
        }

        /** The secret key. */
        public SecretKey secretKey() {
            return secretKey;
        }

        /** The key id. */
        public KeyId keyId() {
            return keyId;
        }

        /** The digest of the registered evaluation keys. */
        public KeysDigest keysDigest() {
            return keysDigest;
        }

        /** Never the secret key or the id. */
        @Override
        public String toString() {
            return "ClientKeyCache.Entry[" + keysDigest + "]";
        }
    }

    /** The held lock of one entry; closing releases it. */
    public static final class Lock implements AutoCloseable {
        private final Semaphore inProcess;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean released;

        private Lock(Semaphore inProcess, FileChannel channel, FileLock lock) {
            this.inProcess = inProcess;
            this.channel = channel;
            this.lock = lock;
        }

        /** Releases the lock (idempotent). */
        @Override
        public void close() throws IOException {
            if (released) {
                return;
            }
            released = true;
            try {
                lock.release();
            } finally {
                channel.close();
                inProcess.release();
            }
        }
    }

    /** The magic of the record before the envelope, still read. */
    static final byte[] LEGACY_MAGIC = "L4JKEYS1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** A record holds a secret key of at most N = 2^17 with 100 primes (about 100 MiB packed): far above any real one. */
    private static final long MAX_RECORD = 128L << 20;
    private static final int KEY_ID_CHARS = 43;
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /**
     * The threads of this JVM queue here before taking the file lock: a JVM may hold a file's lock
     * only once (a second attempt throws instead of waiting).
     */
    private static final Map<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path root;
    private final Consumer<String> warnings;

    /**
     * A cache in a folder (created when first written), discarding damaged records silently.
     *
     * @param root the folder
     */
    public ClientKeyCache(Path root) {
        this(root, w -> { });
    }

    /**
     * A cache in a folder (created when first written).
     *
     * @param root     the folder
     * @param warnings told, in a sentence, of each damaged record discarded
     */
    public ClientKeyCache(Path root, Consumer<String> warnings) {
        this.root = root.toAbsolutePath();
        this.warnings = Objects.requireNonNull(warnings, "warnings");
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
        MessageDigest md = KeysDigest.sha256();
        md.update(identity(server, plan).getBytes(StandardCharsets.UTF_8));
        return root.resolve(HexFormat.of().formatHex(md.digest()).substring(0, 32));
    }

    private static String identity(URI server, ClientPlan plan) {
        return server.toString() + "\n" + plan.modelName() + "\n" + Long.toHexString(plan.fingerprint());
    }

    /**
     * Takes the lock of one entry, waiting for other threads and processes that hold it: whoever
     * holds it may read, make, register and store the entry's keys without another doing the same.
     *
     * @param server the server
     * @param plan   the plan
     * @return the held lock; close it
     * @throws IOException when the lock file cannot be created or locked
     */
    public Lock lock(URI server, ClientPlan plan) throws IOException {
        Path dir = prepare(server, plan);
        Path f = dir.resolve("lock");
        Semaphore s = IN_PROCESS.computeIfAbsent(f, k -> new Semaphore(1));
        try {
            s.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the key cache lock " + f, e);
        }
        FileChannel ch = null;
        try {
            FileAttribute<?>[] attrs = POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
                    : new FileAttribute<?>[0];
            ch = FileChannel.open(f, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), attrs);
            return new Lock(s, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            s.release();
            throw e;
        }
    }

    /**
     * The cached keys, if a sound record exists. A damaged record (checksum, framing, another
     * entry's identity, a secret key of other parameters) is deleted and reported to the warnings
     * consumer; the caller then makes new keys.
     *
     * @param server the server
     * @param plan   the plan (its parameters must be the key's)
     * @return the entry, or empty when there is none or it was discarded
     * @throws IOException when the record cannot be read, or others may read or write it
     */
    public Optional<Entry> read(URI server, ClientPlan plan) throws IOException {
        Path f = entry(server, plan).resolve("keys");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        checkPrivate(f);
        try {
            long size = Files.size(f);
            if (size > MAX_RECORD) {
                throw new IOException("it has " + size + " bytes, more than a key record holds");
            }
            return Optional.of(decode(Files.readAllBytes(f), server, plan));
        } catch (IOException e) {
            warnings.accept("discarded the damaged key cache record " + f + " (" + e.getMessage() + "); making new keys");
            Files.deleteIfExists(f);
            return Optional.empty();
        }
    }

    /**
     * Stores an entry, replacing the record whole (atomically where the file system can).
     *
     * @param server the server
     * @param plan   the plan
     * @param e      the keys
     * @throws IOException when it cannot be written
     */
    public void store(URI server, ClientPlan plan, Entry e) throws IOException {
        Path dir = prepare(server, plan);
        writePrivate(dir.resolve("keys"), encode(server, plan, e));
        // the two-file layout of earlier versions: its parts could not be trusted to belong together
        Files.deleteIfExists(dir.resolve("secret-key"));
        Files.deleteIfExists(dir.resolve("key-id"));
    }

    /**
     * Forgets an entry's keys.
     *
     * @param server the server
     * @param plan   the plan
     * @throws IOException when the record cannot be deleted
     */
    public void forget(URI server, ClientPlan plan) throws IOException {
        Files.deleteIfExists(entry(server, plan).resolve("keys"));
    }

    // ------------------------------------------------------------------ the record

    static byte[] encode(URI server, ClientPlan plan, Entry e) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        writeString(d, server.toString());
        writeString(d, plan.modelName());
        d.writeLong(plan.fingerprint());
        ByteArrayOutputStream skOut = new ByteArrayOutputStream();
        new CkksSerializer(plan.parameters()).writeSecretKey(skOut, e.secretKey());
        byte[] sk = skOut.toByteArray();
        d.writeInt(sk.length);
        d.write(sk);
        d.write(e.keyId().value().getBytes(StandardCharsets.US_ASCII));
        d.write(e.keysDigest().bytes());
        d.flush();
        ByteArrayOutputStream record = new ByteArrayOutputStream(b.size() + Envelope.HEADER_BYTES + Envelope.TRAILER_BYTES);
        Envelope.write(record, Envelope.Kind.CLIENT_KEYS, VERSION, plan.fingerprint(), b.toByteArray());
        return record.toByteArray();
    }

    /** The fields of a record of an earlier release, its SHA-256 and framing checked. */
    private static byte[] legacyPayload(byte[] b) throws IOException {
        if (b.length < LEGACY_MAGIC.length + 2 + KeysDigest.BYTES) {
            throw new IOException("the record has " + b.length + " bytes, too few for one");
        }
        int body = b.length - KeysDigest.BYTES;
        MessageDigest md = KeysDigest.sha256();
        md.update(b, 0, body);
        if (!MessageDigest.isEqual(md.digest(), Arrays.copyOfRange(b, body, b.length))) {
            throw new IOException("its checksum does not match its contents");
        }
        int version = (b[LEGACY_MAGIC.length] & 0xFF) << 8 | (b[LEGACY_MAGIC.length + 1] & 0xFF);
        if (version != VERSION) {
            throw new IOException("record version " + version + ", this library reads " + VERSION);
        }
        return Arrays.copyOfRange(b, LEGACY_MAGIC.length + 2, body);
    }

    static Entry decode(byte[] b, URI server, ClientPlan plan) throws IOException {
        byte[] payload;
        if (b.length >= LEGACY_MAGIC.length && Arrays.equals(b, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length)) {
            payload = legacyPayload(b);
        } else {
            ByteArrayInputStream in = new ByteArrayInputStream(b);
            Envelope.Contents c = Envelope.read(in, "the record", Envelope.Kind.CLIENT_KEYS, MAX_RECORD);
            if (c.version() != VERSION) {
                throw new IOException("record version " + c.version() + ", this library reads " + VERSION);
            }
            if (in.available() != 0) {
                throw new IOException("the record has " + in.available() + " bytes after its checksum");
            }
            if (c.fingerprint() != plan.fingerprint()) {
                throw new IOException("the record belongs to another server, model or plan");
            }
            payload = c.payload();
        }
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(payload));
        try {
            String s = readString(d, "server");
            String m = readString(d, "model");
            long fp = d.readLong();
            if (!s.equals(server.toString()) || !m.equals(plan.modelName()) || fp != plan.fingerprint()) {
                throw new IOException("the record belongs to another server, model or plan");
            }
            int n = d.readInt();
            if (n < 0 || n > d.available()) {
                throw new IOException("the secret key's length " + Integer.toUnsignedString(n) + " exceeds the record");
            }
            byte[] skBytes = new byte[n];
            d.readFully(skBytes);
            SecretKey sk;
            try {
                sk = new CkksSerializer(plan.parameters()).readSecretKey(new ByteArrayInputStream(skBytes));
            } catch (IOException e) {
                throw new IOException("its secret key: " + e.getMessage(), e);
            }
            byte[] id = new byte[KEY_ID_CHARS];
            d.readFully(id);
            KeyId keyId;
            try {
                keyId = KeyId.parse(new String(id, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw new IOException("its key id is malformed: " + e.getMessage(), e);
            }
            byte[] digest = new byte[KeysDigest.BYTES];
            d.readFully(digest);
            if (d.available() != 0) {
                throw new IOException("the record has " + d.available() + " bytes after its contents");
            }
            return new Entry(sk, keyId, KeysDigest.ofBytes(digest));
        } catch (EOFException e) {
            throw new IOException("the record ends before its contents do", e);
        }
    }

    private static void writeString(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IOException("a string of " + b.length + " UTF-8 bytes is too long for a key record");
        }
        d.writeShort(b.length);
        d.write(b);
    }

    private static String readString(DataInputStream d, String what) throws IOException {
        int n = d.readUnsignedShort();
        if (n > d.available()) {
            throw new IOException("the " + what + "'s length " + n + " exceeds the record");
        }
        byte[] b = new byte[n];
        d.readFully(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("the " + what + " is not valid UTF-8", e);
        }
    }

    // ------------------------------------------------------------------ files

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
        try {
            if (POSIX) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another process made it between the check and here
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    private static void writePrivate(Path f, byte[] b) throws IOException {
        FileAttribute<?>[] attrs = POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(f.getParent(), ".tmp-", "", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(b);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                // on disk before the rename makes it visible: a crash leaves the old record or the new one
                ch.force(true);
            }
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void checkPrivate(Path f) throws IOException {
        if (POSIX) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(f);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
                    || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException(f + " is accessible by other users (" + PosixFilePermissions.toString(p)
                        + "); it holds a secret: chmod 600 it, or delete it to start over");
            }
        }
    }
}
