/** ONNX import: networks exported by PyTorch or Keras as lola4j networks. */
module io.github.lola4j.onnx {
    requires transitive io.github.lola4j.nn;
    requires com.google.protobuf;

    exports io.github.lola4j.onnx;
}
