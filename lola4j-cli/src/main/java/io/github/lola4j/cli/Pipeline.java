package io.github.lola4j.cli;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.data.Cifar10;
import io.github.lola4j.data.ColourImages;
import io.github.lola4j.data.DigitImages;
import io.github.lola4j.data.IdxArray;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.Plan;
import io.github.lola4j.nn.InputNormalization;
import io.github.lola4j.nn.LabeledImages;
import io.github.lola4j.ring.Parallelism;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the step commands (keygen, encrypt, evaluate, decrypt) share: reading a plan, the secret
 * key's private file, the evaluation keys, and the images a pipeline hands over.
 *
 * <p>Files are written whole or not at all (a temporary file in the same folder, then a rename),
 * and an existing file is replaced only where the command says so: a pipeline re-run must not
 * leave a half-written tensor behind, nor silently replace a secret key that other data is
 * encrypted under.
 */
final class Pipeline {

    /** rw-------: the secret key is the owner's only. */
    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private Pipeline() {
    }

    /** A file option the command cannot run without. */
    static Path required(Options o, String name) {
        if (!o.has(name)) {
            throw new UsageException("--" + name + " FILE is required");
        }
        return Path.of(o.get(name, ""));
    }

    /**
     * A client plan from a plan file ({@code plan --out}) or a client plan file ({@code plan
     * --client-plan}): the client needs only the second, which holds no weights.
     */
    static ClientPlan clientPlan(Path file) throws IOException {
        if (Plan.isPlanFile(file)) {
            return serverPlan(file).clientPlan();
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return ClientPlan.read(in);
        } catch (IOException e) {
            throw new IOException(file + ": neither a plan file (lola4j plan --out) nor a client plan file (lola4j plan"
                    + " --client-plan): " + e.getMessage(), e);
        }
    }

    /** The server's plan: only a plan file ({@code plan --out}) holds the weights it evaluates with. */
    static Plan serverPlan(Path file) throws IOException {
        if (!Plan.isPlanFile(file)) {
            throw new IOException(file + ": not a plan file; write one with lola4j plan --model NAME --out FILE (a client plan"
                    + " file has no weights to evaluate with)");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return Plan.read(in);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code content} to {@code target} whole or not at all.
     *
     * @param target   the file
     * @param replace  whether an existing file may be replaced
     * @param option   the option that names the file, for the message
     * @param owner    whether the file is the owner's only (rw-------), set before any byte is
     *                 written, so that no moment exists when others could read a secret
     */
    static void writeAtomically(Path target, boolean replace, String option, boolean owner, Writer content) throws IOException {
        if (!replace && Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "exists; " + option + " names a file this command"
                    + " creates (pass --force to replace it)");
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(String.valueOf(dir), null, "no such folder (" + option + " " + target + ")");
        }
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        if (owner && !posix) {
            throw new IOException(target + ": this file system cannot make a file its owner's only; put the secret key on one"
                    + " that can (" + option + ")");
        }
        Path tmp = owner ? Files.createTempFile(dir, ".lola4j-", ".part", PosixFilePermissions.asFileAttribute(PRIVATE))
                : Files.createTempFile(dir, ".lola4j-", ".part");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                content.write(out);
            }
            if (!owner && posix) {
                // a temporary file is created rw-------; a tensor or a key for the server is the usual rw-r--r--
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                if (replace) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (AtomicMoveNotSupportedException e) {
                if (replace) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.move(tmp, target); // refuses a file that appeared meanwhile, as the atomic move does
                }
            }
        } catch (Throwable e) { // rethrown as it is (precise rethrow: the method still throws only IOException)
            // the first failure is the one to report; a temporary file that cannot be removed is noted beside it
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
    }

    /** What writeAtomically writes. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Reads the secret key, refusing a file others may read (as ssh refuses such a private key):
     * a key that leaked can decrypt every result, and the user should know now.
     */
    static SecretKey readSecretKey(Path file, ClientPlan plan) throws IOException {
        if (Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            for (PosixFilePermission x : p) {
                if (!PRIVATE.contains(x)) {
                    throw new IOException(String.format(Locale.ROOT, "%s: the secret key is readable or writable by others"
                            + " (mode %s): chmod 600 %s, and make new keys if others may have read it", file,
                            PosixFilePermissions.toString(p), file));
                }
            }
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return new CkksSerializer(plan.parameters()).readSecretKey(in);
        } catch (IOException e) {
            throw new IOException(file + ": not a secret key of this plan's parameters: " + e.getMessage(), e);
        }
    }

    /** Reads evaluation keys of the plan's parameters. */
    static EvaluationKeys readEvaluationKeys(Path file, Plan plan, Parallelism parallelism) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return new CkksSerializer(plan.parameters()).readEvaluationKeys(in, parallelism);
        } catch (IOException e) {
            throw new IOException(file + ": not evaluation keys of this plan's parameters: " + e.getMessage(), e);
        }
    }

    /**
     * The images of {@code --images} for a plan of {@code channels x rows x cols} inputs.
     *
     * <p>One channel (a greyscale plan): an IDX file of unsigned bytes (N x rows x cols, gzipped or
     * not, as MNIST's), a folder of image files (PNG, JPEG, ... converted as {@code client
     * --image} converts them, in name order), or a text file with one image per line, its pixel
     * values separated by commas or spaces (CSV or plain text), in the range {@code range} states.
     *
     * <p>More (a colour plan):
     * <ul>
     *   <li>a file named {@code *.bin} or {@code *.bin.gz}: CIFAR-10's binary records, each a label
     *       byte then {@code channels * rows * cols} pixel bytes ({@link Cifar10#readRecords}); the
     *       file must hold a whole number of them, the labels are not used;</li>
     *   <li>a folder: its image files in name order, 3 channels only, each read by
     *       {@link ColourImages#read} (R, G, B planes; any size, resized and centre-cropped to rows x
     *       cols; a greyscale file refused);</li>
     *   <li>any other file: text, one image per line of {@code channels * rows * cols} values in
     *       channel-first order (PyTorch's flattening of a CHW tensor: the first channel's rows, then
     *       the next channel's), in the range {@code range} states. A file of binary content, an IDX
     *       file or another gzipped file is refused with what the colour plan takes.</li>
     * </ul>
     *
     * @param source   the file or folder
     * @param channels the plan's image channels
     * @param rows     the plan's image height
     * @param cols     the plan's image width
     * @param range    the value of a white pixel in a text file: 255 (bytes) or 1 ([0, 1], as
     *                 PyTorch's ToTensor gives); IDX files, records and image files are bytes, 0..255
     * @return the images' raw pixels, channel-major, one array per image, each with the range it is
     *         in (made when asked for from binary records: a batch holds 10,000)
     */
    static List<Raw> images(Path source, int channels, int rows, int cols, double range) throws IOException {
        if (Files.isDirectory(source)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(source)) {
                files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IOException("--images " + source + ": the folder holds no image files");
            }
            if (channels != 1 && channels != ColourImages.CHANNELS) {
                throw new IOException(String.format(Locale.ROOT, "--images %s: image files give 1 (grey) or 3 (R, G, B)"
                        + " channels, the plan takes %d x %d x %d inputs: give a text file or binary records (*.bin)",
                        source, channels, rows, cols));
            }
            List<Raw> out = new ArrayList<>(files.size());
            for (Path f : files) {
                out.add(Raw.ofBytes(channels == 1 ? DigitImages.read(f, rows, cols) : ColourImages.read(f, rows, cols)));
            }
            return out;
        }
        if (!Files.isRegularFile(source)) {
            throw new java.nio.file.NoSuchFileException(source.toString(), null, "no such file or folder (--images)");
        }
        String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
        if (channels > 1 && (name.endsWith(".bin") || name.endsWith(".bin.gz"))) {
            return records(source, channels, rows, cols);
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(source)) {
            int n = in.readNBytes(head, 0, 4);
            boolean gzip = n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            boolean idx = n == 4 && head[0] == 0 && head[1] == 0 && (head[2] & 0xff) == IdxArray.TYPE_UNSIGNED_BYTE;
            if (channels > 1 && (gzip || idx)) {
                throw new IOException(String.format(Locale.ROOT, "--images %s: %s; the plan takes %s: %s", source,
                        idx ? "an IDX file (MNIST's format), which holds greyscale images"
                                : "a gzipped file not named *.bin.gz (IDX files hold greyscale images)",
                        colour(channels, rows, cols), COLOUR_FORMS));
            }
            if (gzip || idx) {
                return idxImages(IdxArray.read(source), source, rows, cols);
            }
        }
        if (channels > 1) {
            requireText(source, channels, rows, cols);
        }
        return textImages(source, channels, rows, cols, range);
    }

    /** What a colour plan's --images takes, for the messages that refuse something else. */
    private static final String COLOUR_FORMS = "give a text file of one image per line (channel by channel), a folder of"
            + " colour image files, or CIFAR-10 binary records (a file named *.bin or *.bin.gz)";

    private static String colour(int channels, int rows, int cols) {
        return channels + " x " + rows + " x " + cols + " images";
    }

    /** A colour plan's text file: refused at once when its start holds a NUL byte (binary records misnamed, say). */
    private static void requireText(Path source, int channels, int rows, int cols) throws IOException {
        byte[] start;
        try (InputStream in = Files.newInputStream(source)) {
            start = in.readNBytes(4096);
        }
        for (byte b : start) {
            if (b == 0) {
                throw notText(source, channels, rows, cols, null);
            }
        }
    }

    /** A file read as text that is not: what the plan takes instead. */
    private static IOException notText(Path source, int channels, int rows, int cols, IOException cause) {
        String what = channels == 1 ? "encrypt reads an IDX file (MNIST's format), a folder of image files or a text"
                + " file of one image per line" : "the plan takes " + colour(channels, rows, cols) + ": " + COLOUR_FORMS;
        return new IOException(String.format(Locale.ROOT, "--images %s: binary content, not text (%s); %s", source,
                cause == null ? "a NUL byte" : "bytes that are not UTF-8", what), cause);
    }

    /** CIFAR-10-style binary records, each image's values made when asked for (a batch is 10,000). */
    private static List<Raw> records(Path source, int channels, int rows, int cols) throws IOException {
        LabeledImages set;
        try {
            set = Cifar10.readRecords(source, channels, rows, cols);
        } catch (IOException e) {
            throw new IOException("--images " + e.getMessage(), e);
        }
        return new java.util.AbstractList<>() {
            @Override
            public Raw get(int i) {
                return new Raw(set.image(i, 1.0), InputNormalization.BYTE_PIXELS, "record " + (i + 1));
            }

            @Override
            public int size() {
                return set.count();
            }
        };
    }

    private static List<Raw> idxImages(IdxArray a, Path source, int rows, int cols) throws IOException {
        if (a.rank() != 3 || a.dim(1) != rows || a.dim(2) != cols) {
            throw new IOException(String.format(Locale.ROOT, "--images %s: an IDX array of %s, expected N x %d x %d images",
                    source, java.util.Arrays.toString(a.dims()), rows, cols));
        }
        byte[] data = a.data();
        int size = rows * cols;
        List<Raw> out = new ArrayList<>(a.dim(0));
        for (int i = 0; i < a.dim(0); i++) {
            out.add(Raw.ofBytes(java.util.Arrays.copyOfRange(data, i * size, (i + 1) * size)));
        }
        return out;
    }

    /**
     * One image per non-empty line, its values as given: the model's own map takes them from the
     * stated range (InputNormalization.apply), which checks each against it.
     */
    private static List<Raw> textImages(Path source, int channels, int rows, int cols, double range) throws IOException {
        List<Raw> out = new ArrayList<>();
        int size = channels * rows * cols;
        int lineNo = 0;
        try (var r = Files.newBufferedReader(source, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String t = line.strip();
                if (t.isEmpty()) {
                    continue;
                }
                String[] f = t.split("[,\\s]+");
                if (f.length != size) {
                    throw new IOException(channels == 1 ? String.format(Locale.ROOT, "--images %s line %d: %d values,"
                            + " expected %d (%d x %d pixels, one image per line)", source, lineNo, f.length, size, rows, cols)
                            : String.format(Locale.ROOT, "--images %s line %d: %d values, expected %d (%d x %d x %d: channel"
                            + " by channel, each row by row, one image per line)", source, lineNo, f.length, size, channels,
                            rows, cols));
                }
                double[] px = new double[size];
                for (int k = 0; k < size; k++) {
                    try {
                        px[k] = Double.parseDouble(f[k]);
                    } catch (NumberFormatException e) {
                        throw new IOException(String.format(Locale.ROOT, "--images %s line %d, value %d: '%s' is not a"
                                + " number", source, lineNo, k + 1, f[k]));
                    }
                }
                out.add(new Raw(px, range, "line " + lineNo));
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notText(source, channels, rows, cols, e);
        }
        if (out.isEmpty()) {
            throw new IOException("--images " + source + ": no images (one per line expected)");
        }
        return out;
    }

    /**
     * Where value {@code k} of a channel-major image lies, for a message: "value 1062 (channel 2,
     * G; row 2, column 6)" (all counted from 1, as lines are).
     */
    static String position(int k, int channels, int rows, int cols) {
        int plane = rows * cols;
        int c = k / plane;
        String rgb = channels == 3 ? ", " + "RGB".charAt(c) : "";
        return String.format(Locale.ROOT, "value %d (channel %d%s; row %d, column %d)", k + 1, c + 1, rgb,
                (k % plane) / cols + 1, k % cols + 1);
    }

    /**
     * One image's raw pixels, in the range that stands for white, and where it came from (for
     * the message when a value does not fit).
     *
     * @param pixels   the values
     * @param pixelMax white: 255 for bytes, 1 for [0, 1]
     * @param where    "line 3", or empty
     */
    record Raw(double[] pixels, double pixelMax, String where) {
        static Raw ofBytes(byte[] b) {
            double[] px = new double[b.length];
            for (int i = 0; i < b.length; i++) {
                px[i] = b[i] & 0xff;
            }
            return new Raw(px, 255, "");
        }
    }

}
