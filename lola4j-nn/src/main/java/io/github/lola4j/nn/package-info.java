/**
 * Plaintext neural networks in double precision: the models LoLa evaluates under encryption, their
 * file format, and a trainer for square-activation ("HE-friendly") networks.
 *
 * <h2>Notation and layout</h2>
 * <ul>
 *   <li>A {@link io.github.lola4j.nn.Shape} lists sizes outermost first. Images are
 *       {@code C x H x W} (channels, rows, columns); vectors have rank 1.</li>
 *   <li>Every tensor is stored flat, row-major over its shape: element {@code (m, r, c)} of a
 *       {@code C x H x W} tensor is at {@code m*H*W + r*W + c}. {@link io.github.lola4j.nn.Flatten}
 *       is therefore channel-major and moves no data.</li>
 *   <li>{@link io.github.lola4j.nn.Conv2d} weights are indexed {@code [out][in][kr][kc]} plus
 *       {@code bias[out]}; output {@code (o, r, c)} reads input row {@code r*strideRows + kr - padTop}
 *       and column {@code c*strideCols + kc - padLeft}, zero outside the image. Padding is given per
 *       side, so LoLa's one-sided bottom/right padding is expressible.</li>
 *   <li>{@link io.github.lola4j.nn.Dense} weights are indexed {@code [out][in]} plus
 *       {@code bias[out]}.</li>
 * </ul>
 *
 * <h2>Immutability</h2>
 * Layers and networks are immutable: accessors return copies or single values, so a compiler may
 * read them freely and share them between threads. The {@link io.github.lola4j.nn.Trainer} keeps
 * its own mutable parameter buffers and builds a new network at the end.
 *
 * <h2>Models</h2>
 * A {@link io.github.lola4j.nn.Network} carries a {@link io.github.lola4j.nn.ModelInfo} (name, data
 * set, input pixel scale, measured accuracy, training command, seed). Files are written and read by
 * {@link io.github.lola4j.nn.ModelFormat} (format in {@code docs/models.md}); the shipped models
 * are loaded by name with {@code io.github.lola4j.models.ModelRegistry} (module {@code lola4j-models}).
 *
 * <p>{@link io.github.lola4j.nn.LabeledImages}, a set of images with their labels, is the type the
 * data loaders ({@code lola4j-data}) produce and the trainer and the evaluation consume.
 *
 * <p>This package imports nothing else of lola4j: module {@code lola4j-nn} has no dependency.
 */
package io.github.lola4j.nn;
