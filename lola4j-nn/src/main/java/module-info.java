/** Plaintext neural networks: layers, the model file format, the trainer. No dependency. */
module io.github.lola4j.nn {
    requires transitive io.github.lola4j.format;

    exports io.github.lola4j.nn;
}
