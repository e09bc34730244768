/** The trained models shipped with lola4j, and the registry that names them. */
module io.github.lola4j.models {
    requires transitive io.github.lola4j.nn;

    exports io.github.lola4j.models;
}
