/**
 * The one binary envelope of every lola4j file and wire object, and {@code Progress}, which long
 * operations report to. No dependency.
 */
module io.github.lola4j.format {
    exports io.github.lola4j.format;
}
