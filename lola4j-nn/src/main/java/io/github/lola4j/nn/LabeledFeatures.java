package io.github.lola4j.nn;

import io.github.lola4j.format.Envelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * Feature vectors with their labels: what a client-side feature extractor (a pretrained network
 * run in plaintext) makes of a data set's images, and what a private classifier is trained on and
 * evaluated with. Immutable: the arrays given are copied, the arrays returned are copies.
 *
 * <p>Saved as a feature set in lola4j's envelope ({@code docs/file-formats.md}, kind 18): the
 * fingerprint names what computed the features (the caller's hash of the extractor, its
 * preprocessing and the images), so that a cache written by another extractor is never read as
 * this one's; the envelope's checksum refuses a damaged file.
 */
public final class LabeledFeatures {

    /** The payload version written. */
    static final int VERSION = 1;
    /** The largest payload read (refuses absurd sizes before allocating). */
    static final long MAX_PAYLOAD = 1L << 31;

    private final String name;
    private final double[][] rows;
    private final int[] labels;
    private final int classes;

    private LabeledFeatures(String name, double[][] rows, int[] labels, int classes) {
        this.name = name;
        this.rows = rows;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * Creates a feature set.
     *
     * @param name     a name for messages (1..200 characters)
     * @param features one row per sample, all of the same positive length, every value finite
     * @param labels   one label per sample, in [0, classes)
     * @param classes  the number of classes, 2..65535
     * @return the set
     * @throws IllegalArgumentException naming the first row, value or label that is wrong
     */
    public static LabeledFeatures of(String name, double[][] features, int[] labels, int classes) {
        if (name == null || name.isEmpty() || name.length() > 200) {
            throw new IllegalArgumentException("LabeledFeatures: a name of 1 to 200 characters is needed");
        }
        if (classes < 2 || classes > 65535) {
            throw new IllegalArgumentException("LabeledFeatures " + name + ": " + classes + " classes, expected 2..65535");
        }
        if (features.length != labels.length || features.length == 0) {
            throw new IllegalArgumentException("LabeledFeatures " + name + ": " + features.length + " rows and " + labels.length
                    + " labels; expected as many, at least one");
        }
        int dim = features[0].length;
        double[][] copy = new double[features.length][];
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != dim || dim == 0) {
                throw new IllegalArgumentException("LabeledFeatures " + name + ": row " + i + " has " + features[i].length
                        + " values, row 0 has " + dim);
            }
            for (int k = 0; k < dim; k++) {
                if (!Double.isFinite(features[i][k])) {
                    throw new IllegalArgumentException("LabeledFeatures " + name + ": row " + i + " value " + k + " is "
                            + features[i][k]);
                }
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("LabeledFeatures " + name + ": label " + i + " is " + labels[i]
                        + ", expected 0.." + (classes - 1));
            }
            copy[i] = features[i].clone();
        }
        return new LabeledFeatures(name, copy, labels.clone(), classes);
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** The number of samples. */
    public int count() {
        return rows.length;
    }

    /** The length of each feature vector. */
    public int dimension() {
        return rows[0].length;
    }

    /** The number of classes. */
    public int classes() {
        return classes;
    }

    /**
     * One sample's features.
     *
     * @param i the sample, in [0, count)
     * @return a copy of its feature vector
     */
    public double[] features(int i) {
        return rows[i].clone();
    }

    /**
     * One sample's label.
     *
     * @param i the sample, in [0, count)
     * @return its label, in [0, classes)
     */
    public int label(int i) {
        return labels[i];
    }

    /**
     * The samples in [from, to).
     *
     * @param from the first
     * @param to   one past the last
     * @return the subset
     * @throws IllegalArgumentException when the range is empty or out of bounds
     */
    public LabeledFeatures subset(int from, int to) {
        if (from < 0 || to > count() || from >= to) {
            throw new IllegalArgumentException("LabeledFeatures " + name + ": subset [" + from + ", " + to + ") of " + count());
        }
        return new LabeledFeatures(name, Arrays.copyOfRange(rows, from, to), Arrays.copyOfRange(labels, from, to), classes);
    }

    /**
     * The fraction of samples whose largest output of the network is the label.
     *
     * @param net a network whose input is one feature vector
     * @return the accuracy in [0, 1]
     * @throws IllegalArgumentException when the network does not take vectors of this dimension
     */
    public double accuracy(Network net) {
        if (net.inputShape().size() != dimension()) {
            throw new IllegalArgumentException("LabeledFeatures " + name + ": the network " + net.info().name() + " takes "
                    + net.inputShape().size() + " inputs, the features have " + dimension());
        }
        int right = 0;
        for (int i = 0; i < rows.length; i++) {
            right += net.predict(rows[i]) == labels[i] ? 1 : 0;
        }
        return right / (double) rows.length;
    }

    /**
     * Writes the set through a temporary file, so that a failed write leaves no partial file.
     *
     * @param file        the file to create or replace
     * @param fingerprint what computed the features (the reader names the one it expects)
     * @throws IOException when the file cannot be written
     */
    public void save(Path file, long fingerprint) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                write(out, fingerprint);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes the set as one envelope.
     *
     * @param out         the stream (not closed)
     * @param fingerprint what computed the features
     * @throws IOException when the stream fails
     */
    public void write(OutputStream out, long fingerprint) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(16 + name.length() + rows.length * (2 + 8 * dimension()));
        DataOutputStream d = new DataOutputStream(buf);
        d.writeUTF(name);
        d.writeInt(rows.length);
        d.writeInt(dimension());
        d.writeShort(classes);
        for (int i = 0; i < rows.length; i++) {
            d.writeShort(labels[i]);
            for (double v : rows[i]) {
                d.writeDouble(v);
            }
        }
        d.flush();
        Envelope.write(out, Envelope.Kind.FEATURES, VERSION, fingerprint, buf.toByteArray());
    }

    /**
     * Reads a set written by {@link #save}.
     *
     * @param file        the file
     * @param fingerprint the fingerprint expected (what should have computed the features)
     * @return the set
     * @throws IOException when the file cannot be read, is damaged, or was computed by something else
     */
    public static LabeledFeatures load(Path file, long fingerprint) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), fingerprint);
        }
    }

    /**
     * Reads a set written by {@link #write}.
     *
     * @param in          the stream
     * @param source      a name for messages
     * @param fingerprint the fingerprint expected
     * @return the set
     * @throws IOException as {@link #load}
     */
    public static LabeledFeatures read(InputStream in, String source, long fingerprint) throws IOException {
        Envelope.Contents c = Envelope.read(in, source, Envelope.Kind.FEATURES, MAX_PAYLOAD);
        if (c.version() != VERSION) {
            throw new IOException(source + ": feature set version " + c.version() + ", this release reads " + VERSION);
        }
        if (c.fingerprint() != fingerprint) {
            throw new IOException(source + ": features computed by " + Long.toHexString(c.fingerprint()) + ", not by "
                    + Long.toHexString(fingerprint) + " (another extractor, preprocessing or image set)");
        }
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(c.payload()))) {
            String name = d.readUTF();
            int count = d.readInt();
            int dim = d.readInt();
            int classes = d.readUnsignedShort();
            if (count < 1 || dim < 1 || (long) count * (2 + 8L * dim) != d.available()) {
                throw new IOException(source + ": " + count + " rows of " + dim + " features do not fill the "
                        + c.payload().length + "-byte payload");
            }
            double[][] rows = new double[count][dim];
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = d.readUnsignedShort();
                for (int k = 0; k < dim; k++) {
                    rows[i][k] = d.readDouble();
                }
            }
            return of(name, rows, labels, classes);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LabeledFeatures " + name + ": " + count() + " x " + dimension() + ", " + classes + " classes";
    }
}
