/** The data sets (MNIST, Fashion-MNIST, CIFAR-10, CalTech-101), their folders, caches and verified downloads. */
module io.github.lola4j.data {
    requires transitive io.github.lola4j.nn;
    requires transitive java.desktop; // images (BufferedImage) are part of the API
    requires java.net.http;           // verified downloads into the cache
    requires org.apache.commons.compress;

    exports io.github.lola4j.data;
}
