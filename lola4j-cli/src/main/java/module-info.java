/** The {@code lola4j} command line. It exports nothing: its one entry point is {@code io.github.lola4j.cli.Main}. */
module io.github.lola4j.cli {
    requires io.github.lola4j.data;
    requires io.github.lola4j.models;
    requires io.github.lola4j.onnx;
    requires io.github.lola4j.service;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires commons.math3;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.management;
    requires jdk.management;
    requires me.tongfei.progressbar;
}
