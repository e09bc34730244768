/** Plaintext neural networks: layers, the model file format, the trainer. No dependency. */
module io.github.lola4j.nn {
    exports io.github.lola4j.nn;
}
