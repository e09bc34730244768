package io.github.lola4j.models;

import io.github.lola4j.nn.ModelFormat;
import io.github.lola4j.nn.Network;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The models shipped inside the jar, addressable by name, and a single entry point that also
 * accepts a path to a model file.
 *
 * <p>Shipped: {@code lola} (the CryptoNets/LoLa network), {@code lola-small} (LoLa-Small) and
 * {@code lola-large} (LoLa-Large), trained on MNIST, and {@code lola-cifar} (the paper's CIFAR-10
 * network), trained on CIFAR-10, and {@code caltech101-head} (the deep-features row's private
 * classifier on 512 SqueezeNet 1.1 features of CalTech-101 images, docs/deep-features.md), all by
 * this library; see {@code docs/models.md} for their accuracy and the exact command that
 * reproduces each.
 */
public final class ModelRegistry {

    /** The classpath folder holding {@code NAME.model}. */
    public static final String RESOURCE_DIR = "/io/github/lola4j/models/";

    private static final List<String> NAMES = List.of("lola", "lola-small", "lola-large", "lola-cifar", "caltech101-head");

    private ModelRegistry() {
    }

    /** The names of the shipped models. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * Loads a shipped model by name.
     *
     * @param name one of {@link #names()}
     * @return the network
     * @throws IllegalArgumentException when no model has that name (the message lists the names)
     * @throws IOException              when the embedded file is missing or corrupt (a build defect)
     */
    public static Network loadBuiltIn(String name) throws IOException {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("no shipped model named '" + name + "'; shipped: " + String.join(", ", NAMES));
        }
        String path = RESOURCE_DIR + name + ".model";
        try (InputStream in = ModelRegistry.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("shipped model " + path + " is missing from the classpath");
            }
            return ModelFormat.read(in, "classpath:" + path);
        }
    }

    /**
     * Loads a shipped model by name, or else a model file by path.
     *
     * @param nameOrPath a name from {@link #names()} or a file path
     * @return the network
     * @throws NoSuchFileException when it is neither a shipped name nor an existing file
     * @throws IOException         when the file cannot be read or is malformed
     */
    public static Network load(String nameOrPath) throws IOException {
        if (NAMES.contains(nameOrPath)) {
            return loadBuiltIn(nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(nameOrPath, null, "neither a shipped model (" + String.join(", ", NAMES)
                    + ") nor a model file");
        }
        return ModelFormat.read(p);
    }
}
