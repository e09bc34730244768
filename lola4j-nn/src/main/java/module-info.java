/** Plaintext neural networks: layers, the model file format, the trainer. No dependency. */
module io.github.lola4j.nn {
    requires io.github.lola4j.format;

    exports io.github.lola4j.nn;
}
