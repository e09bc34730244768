package io.github.lola4j.nn;

import io.github.lola4j.format.Envelope;
import io.github.lola4j.format.EnvelopeReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The trainer's whole state between two optimiser steps, saved so that an interrupted training
 * continues bit for bit where it stopped ({@code train --resume}).
 *
 * <p>What is saved is what the next step depends on: the parameters, Adam's moments and bias
 * products, the position (epoch, next batch, step count), the running loss and hit count of the
 * epoch and the finished epochs' figures. The shuffling and augmentation need no state: they are
 * drawn from (seed, epoch, sample). The file also records the trainer's configuration, the
 * network's layers and the training set's size and name, and a resume with any of them different
 * is refused, naming what differs.
 *
 * <p>File: the body (big-endian) in lola4j's {@link Envelope}, kind training checkpoint, version 1,
 * fingerprint 0; checkpoints of earlier releases ({@code "L4JCKPT1" | body length u64 | body |
 * CRC-32C}, big-endian) are read too. Written to a sibling and renamed, so a crash while saving
 * leaves the previous checkpoint intact.
 */
final class TrainingCheckpoint {

    /** The magic of the framing before the envelope, still read. */
    private static final byte[] LEGACY_MAGIC = "L4JCKPT1".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final long MAX_BYTES = 1L << 31;

    /** The position and running figures of a training run (mutable, owned by one trainer). */
    static final class State {
        int epoch = 1;
        int batch;
        long step;
        double lossSum;
        int correct;
        double epochSeconds;
        double seconds;
        final List<Trainer.EpochStats> history = new ArrayList<>();
    }

    private final String fingerprint;
    private final String layers;
    private final String trainSet;
    private final int trainCount;
    private final State state;
    private final double[][] params;
    private final double[][] m;
    private final double[][] v;
    private final double beta1Power;
    private final double beta2Power;

    private TrainingCheckpoint(String fingerprint, String layers, String trainSet, int trainCount, State state,
            double[][] params, double[][] m, double[][] v, double beta1Power, double beta2Power) {
        this.fingerprint = fingerprint;
        this.layers = layers;
        this.trainSet = trainSet;
        this.trainCount = trainCount;
        this.state = state;
        this.params = params;
        this.m = m;
        this.v = v;
        this.beta1Power = beta1Power;
        this.beta2Power = beta2Power;
    }

    private static String layers(Trainer.Model model) {
        StringBuilder sb = new StringBuilder(model.shapes[0].toString());
        for (int i = 0; i < model.layers.size(); i++) {
            sb.append(" -> ").append(model.layers.get(i).kind()).append(' ').append(model.shapes[i + 1])
                    .append(" (").append(model.params[i].length).append(')');
        }
        return sb.toString();
    }

    static void write(Path file, String fingerprint, Trainer.Model model, AdamW opt, State s, LabeledImages train)
            throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
        DataOutputStream d = new DataOutputStream(buf);
        d.writeUTF(fingerprint);
        d.writeUTF(layers(model));
        d.writeUTF(train.name());
        d.writeInt(train.count());
        d.writeInt(s.epoch);
        d.writeInt(s.batch);
        d.writeLong(s.step);
        d.writeDouble(s.lossSum);
        d.writeInt(s.correct);
        d.writeDouble(s.epochSeconds);
        d.writeDouble(s.seconds);
        d.writeInt(s.history.size());
        for (Trainer.EpochStats e : s.history) {
            d.writeInt(e.epoch());
            d.writeDouble(e.loss());
            d.writeDouble(e.trainAccuracy());
            d.writeDouble(e.testAccuracy());
            d.writeDouble(e.learningRate());
            d.writeDouble(e.seconds());
        }
        d.writeDouble(opt.beta1Power());
        d.writeDouble(opt.beta2Power());
        d.writeInt(model.params.length);
        for (int l = 0; l < model.params.length; l++) {
            writeArray(d, model.params[l]);
            writeArray(d, opt.firstMoment()[l]);
            writeArray(d, opt.secondMoment()[l]);
        }
        d.flush();
        byte[] body = buf.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + Envelope.HEADER_BYTES + Envelope.TRAILER_BYTES);
        Envelope.write(out, Envelope.Kind.TRAINING_CHECKPOINT, VERSION, 0, body);
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = abs.resolveSibling(abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] envelopeBody(byte[] bytes, Path file) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        EnvelopeReader r;
        try {
            r = EnvelopeReader.begin(in, file.toString(), Envelope.Kind.TRAINING_CHECKPOINT);
        } catch (IOException e) {
            throw new IOException(file + ": not a lola4j training checkpoint (" + e.getMessage().substring(file.toString().length() + 2) + ")", e);
        }
        r.requireVersion(VERSION);
        if (r.payloadLength() != bytes.length - Envelope.HEADER_BYTES - Envelope.TRAILER_BYTES) {
            throw new IOException(file + ": truncated or corrupt checkpoint: the header declares " + r.payloadLength()
                    + " body bytes, the file holds " + (bytes.length - Envelope.HEADER_BYTES - Envelope.TRAILER_BYTES));
        }
        byte[] body = r.rest("the body");
        r.finish();
        return body;
    }

    /** A checkpoint of an earlier release: "L4JCKPT1" | body length u64 | body | CRC-32C, big-endian. */
    private static byte[] legacyBody(byte[] bytes, Path file) throws IOException {
        if (bytes.length < LEGACY_MAGIC.length + 12) {
            throw new IOException(file + ": truncated checkpoint: " + bytes.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(LEGACY_MAGIC.length);
        long bodyLength = in.getLong();
        if (bodyLength != bytes.length - LEGACY_MAGIC.length - 12L) {
            throw new IOException(file + ": truncated or corrupt checkpoint: the header declares " + bodyLength
                    + " body bytes, the file holds " + (bytes.length - LEGACY_MAGIC.length - 12L));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IOException(file + ": checksum mismatch (the checkpoint is corrupt)");
        }
        return Arrays.copyOfRange(bytes, LEGACY_MAGIC.length + 8, bytes.length - 4);
    }

    private static void writeArray(DataOutputStream d, double[] a) throws IOException {
        d.writeInt(a.length);
        for (double x : a) {
            d.writeLong(Double.doubleToRawLongBits(x));
        }
    }

    static TrainingCheckpoint read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes, larger than any checkpoint");
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] body = bytes.length >= LEGACY_MAGIC.length && Arrays.equals(Arrays.copyOf(bytes, LEGACY_MAGIC.length), LEGACY_MAGIC)
                ? legacyBody(bytes, file) : envelopeBody(bytes, file);
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(body))) {
            String fingerprint = readUtf(d, file, "options fingerprint");
            String layers = readUtf(d, file, "layer description");
            String trainSet = readUtf(d, file, "training set name");
            int trainCount = d.readInt();
            State s = new State();
            s.epoch = d.readInt();
            s.batch = d.readInt();
            s.step = d.readLong();
            s.lossSum = d.readDouble();
            s.correct = d.readInt();
            s.epochSeconds = d.readDouble();
            s.seconds = d.readDouble();
            int epochs = d.readInt();
            if (epochs < 0 || epochs > 1_000_000 || s.epoch < 1 || s.batch < 0 || s.step < 0) {
                throw new IOException(file + ": corrupt checkpoint (position epoch " + s.epoch + ", batch " + s.batch + ")");
            }
            for (int i = 0; i < epochs; i++) {
                s.history.add(new Trainer.EpochStats(d.readInt(), d.readDouble(), d.readDouble(), d.readDouble(),
                        d.readDouble(), d.readDouble()));
            }
            double b1 = d.readDouble();
            double b2 = d.readDouble();
            int count = d.readInt();
            if (count < 0 || count > 100_000) {
                throw new IOException(file + ": corrupt checkpoint (" + count + " layers)");
            }
            double[][] p = new double[count][];
            double[][] m = new double[count][];
            double[][] v = new double[count][];
            for (int l = 0; l < count; l++) {
                p[l] = readArray(d, file);
                m[l] = readArray(d, file);
                v[l] = readArray(d, file);
            }
            if (d.available() != 0) {
                throw new IOException(file + ": corrupt checkpoint (" + d.available() + " bytes after the last layer)");
            }
            return new TrainingCheckpoint(fingerprint, layers, trainSet, trainCount, s, p, m, v, b1, b2);
        } catch (EOFException e) {
            throw new IOException(file + ": corrupt checkpoint (the body ends in the middle of a field)", e);
        }
    }

    /**
     * A string of DataOutput.writeUTF (modified UTF-8, kept as the format): a malformed encoding is
     * an IOException naming the file and the field, as every other defect.
     */
    private static String readUtf(DataInputStream d, Path file, String what) throws IOException {
        try {
            return d.readUTF();
        } catch (UTFDataFormatException e) {
            throw new IOException(file + ": corrupt checkpoint (the " + what + " is not valid modified UTF-8)", e);
        }
    }

    private static double[] readArray(DataInputStream d, Path file) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > d.available() / 8) {
            throw new IOException(file + ": corrupt checkpoint (an array of " + n + " values)");
        }
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Double.longBitsToDouble(d.readLong());
        }
        return a;
    }

    /**
     * Fails unless this checkpoint was written by a trainer configured as {@code fingerprint}, for
     * the same layers and training set.
     */
    void requireMatches(Path file, String expectedFingerprint, Trainer.Model model, LabeledImages train) {
        if (!fingerprint.equals(expectedFingerprint)) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it was written with the options ["
                    + fingerprint + "], this run has [" + expectedFingerprint + "]; resume with the same options");
        }
        String ours = layers(model);
        if (!layers.equals(ours)) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it holds the network " + layers
                    + ", this run trains " + ours);
        }
        // The description above names each layer's parameter count, but the arrays are stored
        // apart: a file whose arrays do not match the model is refused here, not half copied.
        boolean sizes = params.length == model.params.length;
        for (int l = 0; sizes && l < params.length; l++) {
            int n = model.params[l].length;
            sizes = params[l].length == n && m[l].length == n && v[l].length == n;
        }
        if (!sizes) {
            throw new IllegalArgumentException("cannot resume from " + file + ": its parameter and moment arrays do not"
                    + " have the sizes of this run's layers " + ours + " (the checkpoint is corrupt)");
        }
        if (trainCount != train.count() || !trainSet.equals(train.name())) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it was trained on " + trainSet + " ("
                    + trainCount + " images), this run on " + train.name() + " (" + train.count() + " images)");
        }
    }

    /** Copies the saved parameters and moments into the model and optimiser; returns the position. */
    State restore(Trainer.Model model, AdamW opt) {
        for (int l = 0; l < params.length; l++) {
            System.arraycopy(params[l], 0, model.params[l], 0, params[l].length);
            System.arraycopy(m[l], 0, opt.firstMoment()[l], 0, m[l].length);
            System.arraycopy(v[l], 0, opt.secondMoment()[l], 0, v[l].length);
        }
        opt.restoreBiasProducts(beta1Power, beta2Power);
        return state;
    }
}
