/**
 * Image data sets in the IDX format (MNIST, Fashion-MNIST), CIFAR-10 and CalTech-101: reading,
 * locating and downloading.
 *
 * <p>Invariants: a data set object is never half-read. Every reader loads a whole file into memory,
 * checks the IDX header (magic, element type, dimension count, every dimension against the file
 * length) and only then builds its result; a truncated, corrupt or inconsistent file throws an
 * {@link java.io.IOException} naming the file and what was wrong.
 *
 * <p>Where the files come from ({@link io.github.lola4j.data.DataLocator}): an explicit folder
 * (the command line's {@code --data DIR}), then the folder named by the environment variable
 * {@code LOLA4J_DATA}, then the per-user cache {@code ~/.cache/lola4j/<data set>}, then a download
 * from the public mirrors into that cache, verified against the SHA-256 of each uncompressed file.
 * A small sample of the MNIST test set (its first 100 images) is embedded in the jar for offline
 * demonstrations ({@link io.github.lola4j.data.Mnist#embeddedSample()}); accuracy figures are only
 * ever quoted on a full test set.
 *
 * <p>Images are kept as raw unsigned bytes (0..255, row-major, 28x28 for MNIST). Turning them into
 * network inputs (the pixel scale) is the model's business, not this package's.
 *
 * <p>CalTech-101 ({@link io.github.lola4j.data.Caltech101}) is read from its JPEG folder in the
 * LoLa paper's split and preprocessed as the ImageNet networks expect (Pillow's bilinear resize,
 * reproduced bit for bit, and a centre crop); its images feed a feature extractor, not a network
 * of their own size.
 *
 * <p>{@link io.github.lola4j.data.CalibrationInputs} is the one policy here about networks: which
 * images a network's compilation is calibrated on by default (the embedded sample, else a local test
 * set, else none), as the command line does. It lives here because it reads data sets, which the
 * compiler's module never does.
 *
 * <p>This package imports nothing from the cryptographic packages; from {@code nn} it uses
 * {@link io.github.lola4j.nn.LabeledImages}, the type its loaders return, and, for the calibration
 * inputs, {@link io.github.lola4j.nn.Network}'s shape and normalization.
 */
package io.github.lola4j.data;
