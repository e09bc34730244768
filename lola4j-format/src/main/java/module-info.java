/** The one binary envelope of every lola4j file and wire object. No dependency. */
module io.github.lola4j.format {
    exports io.github.lola4j.format;
}
