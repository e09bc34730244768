package io.github.lola4j.lola;

/** How the client lays out its input ({@link CompileOptions#withInput}). */
public enum InputLayout {
    /** Whatever is cheapest for the server: usually the convolution representation (LoLa). */
    ANY,
    /** The plain image in the dense representation, one ciphertext (LoLa-Dense). */
    DENSE
}
