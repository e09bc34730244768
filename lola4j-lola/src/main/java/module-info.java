/** The LoLa compiler: representations, kernels, plans, and the encrypted evaluation of networks. */
module io.github.lola4j.lola {
    requires io.github.lola4j.format;
    requires transitive io.github.lola4j.ckks;
    requires transitive io.github.lola4j.nn;
    requires commons.math3;

    exports io.github.lola4j.lola;
}
