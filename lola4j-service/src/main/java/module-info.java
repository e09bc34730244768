/** The prediction service: an HTTP server that evaluates plans on encrypted inputs, and its client. */
module io.github.lola4j.service {
    requires io.github.lola4j.format;
    requires transitive io.github.lola4j.lola;
    // PredictionClient.models(), health() and metrics() return Jackson JsonNode documents
    requires transitive com.fasterxml.jackson.databind;
    requires java.net.http;            // the client
    requires org.eclipse.jetty.server;

    exports io.github.lola4j.service;
}
